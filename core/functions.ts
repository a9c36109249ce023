/**
 * The deployable functions (DESIGN.md "Shape"). Queue messages name one of them as their destination;
 * functions never call each other directly.
 */
export const functionNames = ['api', 'import-chunk', 'hydrate', 'enqueue', 'send', 'webhook', 'report', 'cron'] as const;
export type FunctionName = (typeof functionNames)[number];

export function isFunctionName(value: string): value is FunctionName {
  return (functionNames as readonly string[]).includes(value);
}
