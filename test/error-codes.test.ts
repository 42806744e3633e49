/**
 * Whose code is whose: the library's `ErrorCode` holds no daemon or CLI code; the daemon's own
 * errors carry `DaemonErrorCode`; the CLI maps both, and its own, to exit codes.
 */
import test from 'brittle'
import { MeshledgerError } from '../src/errors.js'
import { DaemonError, isDaemonError, statusOf } from '../src/daemon/api-errors.js'
import { CliError, exitCodeOf, UsageError } from '../src/cli/errors.js'
import { EXIT } from '../src/cli/constants.js'

test('daemon codes: raised as DaemonError, mapped to statuses in one table', (t) => {
  const errors = [DaemonError.invalidRequest('x'), DaemonError.unauthorised(), DaemonError.bodyTooLarge(10), DaemonError.daemonRunning('x'), DaemonError.portInUse('x')]
  t.alike(errors.map((e) => e.code), ['INVALID_REQUEST', 'UNAUTHORISED', 'BODY_TOO_LARGE', 'DAEMON_RUNNING', 'PORT_IN_USE'])
  t.ok(errors.every((e) => isDaemonError(e) && !(e instanceof MeshledgerError)))
  t.ok(isDaemonError(errors[1], 'UNAUTHORISED'))
  t.absent(isDaemonError(MeshledgerError.notFound('x')))
  t.alike(errors.slice(0, 3).map((e) => statusOf(e.code)), [400, 401, 413])
  t.alike([statusOf('NOT_FOUND'), statusOf('STORAGE_FULL'), statusOf('LOG_DAMAGED')], [404, 507, 500])
  const factories = Object.getOwnPropertyNames(MeshledgerError)
  t.absent(factories.some((f) => /invalidRequest|unauthorised|bodyTooLarge|daemon/.test(f)), 'the library has no daemon factories')
})

test('the CLI: typed codes, one exit code for each kind', (t) => {
  const cases: Array<[unknown, number]> = [
    [new UsageError('bad flag'), EXIT.usage],
    [new UsageError('INVALID_OPTION: no', 'INVALID_OPTION'), EXIT.usage],
    [new CliError('DAEMON_UNREACHABLE', 'no daemon'), EXIT.unreachable],
    [new CliError('NOT_FOUND', 'no entry', 404), EXIT.notFound],
    [new CliError('INSUFFICIENT_FUNDS', 'poor', 409), EXIT.rejected],
    [new CliError('UNAUTHORISED', 'token', 401), EXIT.rejected],
    [new CliError('HTTP_502', 'proxy', 502), EXIT.failed],
    [new CliError('EXPORT_STUCK', 'stuck'), EXIT.failed],
    [DaemonError.invalidRequest('x'), EXIT.rejected],
    [DaemonError.portInUse('x'), EXIT.failed],
    [MeshledgerError.storageFull('full'), EXIT.storageFull]
  ]
  t.alike(cases.map(([e]) => exitCodeOf(e)), cases.map(([, code]) => code))
  t.is(new UsageError('INVALID_OPTION: no', 'INVALID_OPTION').code, 'INVALID_OPTION')
  t.is(new CliError('NOT_FOUND', 'NOT_FOUND: no entry').message, 'no entry', 'the code is not repeated in the message')
})
