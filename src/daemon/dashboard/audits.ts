/**
 * The last whole-ledger audit the dashboard ran (`POST /v1/dashboard/verify`), kept in memory so
 * the page shows it again after a reload; one audit at a time.
 */
import type { VerifyReport } from '../../audit/report.js'
import type { Ledger } from '../../ledger.js'

/** An audit's report and when it finished. */
export interface AuditRun {
  at: number
  report: VerifyReport
}

/** The last audit, and the one running. */
export class LastAudit {
  private done: AuditRun | null = null
  private running: Promise<AuditRun> | null = null

  /** The last finished audit (`{ at: null, report: null }` before the first). */
  last (): AuditRun | { at: null, report: null } {
    return this.done ?? { at: null, report: null }
  }

  /** Run the audit, or join the one running. */
  async run (ledger: Ledger): Promise<AuditRun> {
    this.running ??= ledger.verify()
      .then((report) => { this.done = { at: Date.now(), report }; return this.done })
      .finally(() => { this.running = null })
    return await this.running
  }
}
