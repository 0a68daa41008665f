import {
  estimateEta,
  initialTaskProgress,
  type ProgressSample,
  reduceTaskLog,
  type TaskProgressState,
} from '../core/task-progress.ts';
import type { EngineContext } from './engine-context.ts';
import { errorMessage } from './proxmox-error-facts.ts';

const PAGE = 500;
const MAX_PAGES = 20;

/** Reads one task's log incrementally (`start` = lines already read) and keeps the progress it shows. */
export class TaskLogReader {
  state: TaskProgressState;
  private samples: ProgressSample[] = [];
  private sampleDisk: string | undefined;

  constructor(
    private readonly ctx: EngineContext,
    private readonly upid: string,
    diskCount?: number,
  ) {
    this.state = initialTaskProgress(diskCount);
  }

  /** Reads the lines written since the last read; a failed read is logged and tolerated (the next one catches up). */
  async read(): Promise<TaskProgressState> {
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const before = this.state.lastLineNumber;
        const log = await this.ctx.proxmox.getTaskLog(this.upid, before, PAGE);
        this.state = reduceTaskLog(this.state, log.lines);
        if (log.lines.length < PAGE || this.state.lastLineNumber === before) break;
      }
    } catch (error) {
      this.ctx.logger.debug(
        { upid: this.upid, err: errorMessage(error) },
        'task log read failed; will retry',
      );
    }
    this.sample();
    return this.state;
  }

  /** Remaining time of the current disk's copy, from the percent readings of that disk. */
  etaMs(): number | undefined {
    return estimateEta(this.samples);
  }

  /**
   * Clock time the current disk's copy should end, from the last percent reading and the copy rate so far;
   * undefined when the rate is unknown. A reading of 100% (or ≥ 99% without a rate) ends at that reading.
   */
  copyEndsAt(): number | undefined {
    const last = this.samples.at(-1);
    if (last === undefined) return undefined;
    const eta = estimateEta(this.samples) ?? (last.percent >= 99 ? 0 : undefined);
    return eta === undefined ? undefined : last.at + eta;
  }

  private sample(): void {
    const { percent, disk } = this.state;
    if (disk !== this.sampleDisk) {
      this.samples = [];
      this.sampleDisk = disk;
    }
    if (percent === undefined) return;
    this.samples.push({ at: this.ctx.clock.now(), percent });
    if (this.samples.length > 20) this.samples.splice(1, 1);
  }
}
