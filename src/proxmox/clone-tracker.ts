/**
 * What one client knows about its own clone POSTs: the UPIDs it has handed out, and the clones of each
 * template still being started. An ambiguous POST must never adopt a sibling clone's task.
 */
export class CloneTracker {
  private readonly claimed = new Set<string>();
  private readonly active = new Map<string, { posts: Set<Promise<unknown>>; count: number }>();

  /** Records a UPID as belonging to a clone; keeps the most recent 1000. */
  claim(upid: string): void {
    this.claimed.add(upid);
    if (this.claimed.size > 1000) this.claimed.delete(this.claimed.values().next().value as string);
  }

  /** Whether a UPID was already handed out for some clone. */
  isClaimed(upid: string): boolean {
    return this.claimed.has(upid);
  }

  /** Marks a clone of `key` (node/template) as being started until the returned function is called. */
  enter(key: string): () => void {
    const entry = this.active.get(key) ?? { posts: new Set(), count: 0 };
    entry.count += 1;
    this.active.set(key, entry);
    return () => {
      entry.count -= 1;
      if (entry.count === 0) this.active.delete(key);
    };
  }

  /** Tracks the POST (and the claim of its UPID) of a clone of `key` until it settles. */
  trackPost<T>(key: string, post: Promise<T>): Promise<T> {
    const posts = this.active.get(key)?.posts;
    posts?.add(post);
    const forget = () => posts?.delete(post);
    post.then(forget, forget);
    return post;
  }

  /** Waits for the other POSTs of `key` to settle, then says whether other clones of `key` are still being started. */
  async settleOthers(key: string, own: Promise<unknown>): Promise<boolean> {
    const entry = this.active.get(key);
    if (entry === undefined) return false;
    await Promise.allSettled([...entry.posts].filter((p) => p !== own));
    return entry.count > 1;
  }
}
