declare global {
  /** Replaced at build time: which SDK this build carries. */
  const __ZBR_SDK__: 'zoom' | 'sim';
}

export {};
