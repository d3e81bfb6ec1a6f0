/**
 * Records the event names the page registers on the SDK client, by wrapping its `on`: what the real
 * client receives, not what the page believes it asked for. A client whose `on` cannot be replaced
 * (frozen) is left alone, and nothing is recorded.
 */
export function recordRegistrations(client: { on: unknown }): string[] | undefined {
  const original = client.on;
  if (typeof original !== 'function') return undefined;
  const names: string[] = [];
  try {
    client.on = (...args: unknown[]) => {
      names.push(String(args[0]).slice(0, 64));
      return original.apply(client, args);
    };
  } catch {
    return undefined;
  }
  return client.on === original ? undefined : names;
}
