import { formatBytes, formatDuration } from '../core/format.ts';
import type { ClonePhase, CloneProgress } from '../core/types.ts';
import type { EngineContext } from './engine-context.ts';
import { errorMessage } from './proxmox-error-facts.ts';
import type { CloneRunOptions } from './types.ts';

/** The copy details a progress report may carry. */
export type ProgressDetails = Partial<
  Pick<CloneProgress, 'disk' | 'diskIndex' | 'diskCount' | 'percent' | 'bytesDone' | 'bytesTotal' | 'etaMs'>
>;

const secs = (ms: number) => `${Math.floor(ms / 1000)}s`;

/** The log-style line: `VM 200 still cloning... (30s / 900s) scsi0 12.5% (4.0 GiB of 32.0 GiB), ETA 3m 30s`. */
export function progressMessage(p: Omit<CloneProgress, 'message'>, template?: number | string): string {
  const templateVmid = template;
  const vm = p.newVmid === undefined ? 'the new VM' : `VM ${p.newVmid}`;
  const clock = `(${secs(p.elapsedMs)} / ${secs(p.timeoutMs)})`;
  switch (p.phase) {
    case 'verifying-template':
      return `Verifying template${templateVmid === undefined ? '' : ` ${templateVmid}`}...`;
    case 'allocating-vmid':
      return 'Allocating a VMID...';
    case 'starting':
      return `Starting clone${templateVmid === undefined ? '' : ` of template ${templateVmid}`} to ${vm}...`;
    case 'finishing':
      return `${vm} finishing... ${clock}`;
    case 'verifying-clone':
      return `Verifying ${vm}'s boot disk... ${clock}`;
    case 'waiting-to-retry': {
      const r = p.retry;
      if (!r) return 'Waiting to retry...';
      return `Waiting to retry: ${r.why}; attempt ${r.attempt} of ${r.of} in ${formatDuration(r.inMs)}`;
    }
    case 'cloning': {
      const parts = [`${vm} still cloning... ${clock}`];
      if (p.disk !== undefined) {
        const of = p.diskCount !== undefined && p.diskIndex ? ` (disk ${p.diskIndex}/${p.diskCount})` : '';
        parts.push(`${p.disk}${of}`);
      }
      if (p.percent !== undefined) {
        const bytes =
          p.bytesDone !== undefined && p.bytesTotal !== undefined
            ? ` (${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)})`
            : '';
        parts.push(`${p.percent.toFixed(1)}%${bytes}`);
      }
      const line = parts.join(' ');
      return p.etaMs === undefined ? line : `${line}, ETA ${formatDuration(p.etaMs)}`;
    }
  }
}

/** Emits progress reports: builds each one, logs it (info) and hands it to onProgress (whose errors are logged, not fatal). */
export class ProgressReporter {
  newVmid: number | undefined;
  upid: string | undefined;
  /** The template as known so far: the request's reference, then its VMID. */
  templateVmid: number | string | undefined;
  phase: ClonePhase | undefined;
  lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ctx: EngineContext,
    readonly startedAt: number,
    private readonly onProgress: CloneRunOptions['onProgress'],
  ) {}

  /** Whether a periodic report is due (every PROGRESS_INTERVAL_SECONDS). */
  due(): boolean {
    return this.ctx.clock.now() - this.lastAt >= this.ctx.config.progressIntervalMs;
  }

  async report(phase: ClonePhase, details: ProgressDetails = {}): Promise<void> {
    const now = this.ctx.clock.now();
    this.phase = phase;
    this.lastAt = now;
    const base: Omit<CloneProgress, 'message'> = {
      phase,
      elapsedMs: Math.max(0, now - this.startedAt),
      timeoutMs: this.ctx.config.timeoutMs,
      ...details,
    };
    if (this.newVmid !== undefined) base.newVmid = this.newVmid;
    if (this.upid !== undefined) base.upid = this.upid;
    const progress: CloneProgress = { ...base, message: progressMessage(base, this.templateVmid) };
    this.ctx.logger.info({ phase, newVmid: this.newVmid, percent: progress.percent }, progress.message);
    if (!this.onProgress) return;
    try {
      await this.onProgress(progress);
    } catch (error) {
      this.ctx.logger.warn({ err: errorMessage(error) }, 'progress callback failed');
    }
  }
}
