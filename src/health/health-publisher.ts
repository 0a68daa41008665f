import type { HealthChange } from '../core/health-changes.ts';
import type { HealthReport } from '../core/health-types.ts';

/**
 * Where scheduled reports and change alerts go (implemented in `slack/`). It renders them into messages the
 * health job keeps (as JSON) until each is posted, so a retry posts the rest in order instead of losing them.
 */
export interface HealthPublisher<Message = unknown> {
  /** The whole report, as messages to post in order. */
  renderReport(report: HealthReport): Message[];
  /** The templates that broke or became healthy again; `first` on the first check after start-up. */
  renderChanges(changes: readonly HealthChange[], opts: { first: boolean }): Message[];
  post(message: Message): Promise<void>;
}
