/**
 * Narrow ambient declarations for brittle, the test runner (a devDependency): only the members the
 * tests use. Not shipped, unlike holepunch.d.cts and proofs.d.cts.
 */

declare module 'brittle' {
  namespace test {
    interface Assertion {
      is(actual: unknown, expected: unknown, message?: string): void
      not(actual: unknown, expected: unknown, message?: string): void
      alike(actual: unknown, expected: unknown, message?: string): void
      unlike(actual: unknown, expected: unknown, message?: string): void
      ok(value: unknown, message?: string): void
      absent(value: unknown, message?: string): void
      pass(message?: string): void
      fail(message?: string): void
      exception(fn: unknown, expected?: unknown, message?: string): Promise<void>
      execution(fn: unknown, message?: string): Promise<void>
      comment(...args: unknown[]): void
      teardown(fn: () => unknown, opts?: { order?: number }): void
      timeout(ms: number): void
      plan(n: number): void
    }
    interface Test extends Assertion {
      test(name: string, fn: (t: Test) => unknown): Promise<void>
    }
  }
  function test(name: string, fn: (t: test.Test) => unknown): void
  function test(name: string, opts: { timeout?: number; skip?: boolean }, fn: (t: test.Test) => unknown): void
  namespace test {
    function skip(name: string, fn: (t: Test) => unknown): void
    function solo(name: string, fn: (t: Test) => unknown): void
  }
  export = test
}
