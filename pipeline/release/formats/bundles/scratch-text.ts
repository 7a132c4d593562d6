/**
 * A file's uncompressed text, written to the build's scratch space as it is
 * made — fast, with back-pressure from the disk alone — and hashed on the
 * way: what the compression queue then compresses, and mapshaper reads.
 */
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';

export interface ScratchTextResult {
  file: string;
  bytes: number;
  sha256: string;
}

/** Text buffered before it is written: big enough to amortise the calls, small enough not to matter. */
const FLUSH_BYTES = 1024 * 1024;

export class ScratchText {
  private readonly stream: fs.WriteStream;
  private readonly hash = crypto.createHash('sha256');
  private readonly closed: Promise<void>;
  /** Rejects with the stream's first error (its directory removed by an interrupted build, a full disk). */
  private readonly failed: Promise<never>;
  private pending: string[] = [];
  private pendingLength = 0;
  private bytes = 0;

  constructor(readonly file: string) {
    this.stream = fs.createWriteStream(file, { flags: 'wx', highWaterMark: 4 * FLUSH_BYTES });
    this.failed = new Promise<never>((_, reject) => this.stream.once('error', reject));
    this.closed = once(this.stream, 'close').then(() => undefined);
    // A failure surfaces through write() and end(); this keeps an early one from counting as unhandled.
    this.failed.catch(() => {});
    this.closed.catch(() => {});
  }

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const buffer = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingLength = 0;
    this.hash.update(buffer);
    this.bytes += buffer.length;
    if (!this.stream.write(buffer)) await Promise.race([once(this.stream, 'drain'), this.failed]);
  }

  async end(): Promise<ScratchTextResult> {
    await this.flush();
    this.stream.end();
    await Promise.race([this.closed, this.failed]);
    return { file: this.file, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  abort(): void {
    this.stream.destroy();
  }
}
