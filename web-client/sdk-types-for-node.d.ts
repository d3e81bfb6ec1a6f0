/**
 * Node-side type checks (the root tsconfig, NodeNext) reach page modules through tests; NodeNext does
 * not resolve the extensionless subpath `@zoom/meetingsdk/embedded` of a package without `exports`,
 * which the page's own build (Bundler resolution) does. Same declarations, by their file name.
 */
declare module '@zoom/meetingsdk/embedded' {
  export * from '@zoom/meetingsdk/embedded.js';
  export { default } from '@zoom/meetingsdk/embedded.js';
}
