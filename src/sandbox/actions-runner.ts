// A GitHub Actions runner for the sandbox: it receives the sandbox's webhooks, decides which deliveries start a run of
// the Baton workflow (src/sandbox/actions.ts), and runs each job as the runner would — one fresh `node dist/index.js`
// process per job, the event payload in a file, GITHUB_* variables and INPUT_* inputs in its environment, a job
// token with the workflow's `permissions:` — one job at a time in delivery order (a concurrency group with
// `queue: max`). `baton action`, the action's tests and `npm run bench -- action` run through it.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workflowTriggers, type WorkflowOn, type WorkflowTrigger } from './actions.js';
import type { Sandbox } from './github-server.js';

export interface RunnerOptions {
  /** The workflow's triggers. */
  on: WorkflowOn;
  /** The job's `permissions:` block. */
  permissions: Record<string, string>;
  /** The action's entry (default: the committed bundle). */
  entry: string;
  /** `with:` inputs of the step, by input name. */
  inputs?: Record<string, string>;
  /** Extra environment for every job (not inherited from this process except PATH and HOME). */
  env?: Record<string, string>;
  /** Override the token of one job (e.g. a token without checks: write). */
  tokenFor?: (t: WorkflowTrigger) => string | undefined;
}

export interface JobRun {
  runId: number;
  attempt: number;
  eventName: string;
  payload: Record<string, unknown>;
  exitCode: number;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
  /** ms from spawn to exit. */
  ms: number;
}

export class ActionsRunner {
  readonly jobs: JobRun[] = [];
  private server: Server | undefined;
  private readonly inbox: Array<{ event: string; payload: Record<string, unknown> }> = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'baton-runner-'));
  private runSeq = 1000;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly sandbox: Sandbox,
    readonly repo: string,
    readonly opts: RunnerOptions,
  ) {}

  /** Listen for the sandbox's webhooks (it sends every delivery here). */
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => {
        raw += c.toString('utf8');
      });
      req.on('end', () => {
        try {
          this.inbox.push({ event: String(req.headers['x-github-event']), payload: JSON.parse(raw) });
        } catch {
          // Not a delivery; GitHub's hooks only send JSON.
        }
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.sandbox.webhookUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Run every workflow job the deliveries so far (and the jobs' own effects) trigger, until nothing is left. */
  async settle(): Promise<JobRun[]> {
    const ran: JobRun[] = [];
    for (let round = 0; round < 100; round++) {
      await this.sandbox.settled();
      const batch = this.inbox.splice(0);
      if (!batch.length) return ran;
      for (const d of batch)
        for (const t of workflowTriggers(
          d,
          this.opts.on,
          (id) => this.sandbox.repo(this.repo).suites.get(id)?.workflow,
        ))
          ran.push(await this.run(t.eventName, t.payload, t));
    }
    return ran;
  }

  /** A workflow run on this event (a scheduled run: `schedule` with GitHub's `{ schedule: cron }` payload). */
  run(eventName: string, payload: Record<string, unknown>, trigger?: WorkflowTrigger): Promise<JobRun> {
    const runId = ++this.runSeq;
    return this.exec(runId, 1, eventName, payload, trigger);
  }

  /** GitHub's "Re-run jobs": the same run id and event payload, the next attempt number. */
  rerun(job: JobRun): Promise<JobRun> {
    const attempts = this.jobs.filter((j) => j.runId === job.runId).length;
    return this.exec(job.runId, attempts + 1, job.eventName, job.payload);
  }

  private exec(
    runId: number,
    attempt: number,
    eventName: string,
    payload: Record<string, unknown>,
    trigger?: WorkflowTrigger,
  ): Promise<JobRun> {
    const next = this.queue.then(() => this.spawn(runId, attempt, eventName, payload, trigger));
    this.queue = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private async spawn(
    runId: number,
    attempt: number,
    eventName: string,
    payload: Record<string, unknown>,
    trigger?: WorkflowTrigger,
  ): Promise<JobRun> {
    const jobDir = join(this.dir, `${runId}-${attempt}`);
    mkdirSync(jobDir, { recursive: true });
    const eventPath = join(jobDir, 'event.json');
    const summaryPath = join(jobDir, 'summary.md');
    const outputPath = join(jobDir, 'output.txt');
    writeFileSync(eventPath, JSON.stringify(payload));
    writeFileSync(summaryPath, '');
    writeFileSync(outputPath, '');
    // A fork's pull request gets a read-only token; otherwise the job's permissions.
    const token =
      (trigger && this.opts.tokenFor?.(trigger)) ??
      this.sandbox.workflowToken(this.repo, trigger?.readOnlyToken ? 'read-all' : this.opts.permissions);
    const inputs: Record<string, string> = { 'github-token': token, ...(this.opts.inputs ?? {}) };
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: this.repo,
      GITHUB_API_URL: this.sandbox.url,
      GITHUB_TOKEN: token,
      GITHUB_STEP_SUMMARY: summaryPath,
      GITHUB_OUTPUT: outputPath,
      GITHUB_RUN_ID: String(runId),
      GITHUB_RUN_ATTEMPT: String(attempt),
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
      ...(this.opts.env ?? {}),
    };
    const started = Date.now();
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [this.opts.entry], { env, maxBuffer: 16 * 1024 * 1024 }, (err, so, se) => {
        const c = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code: c, stdout: String(so), stderr: String(se) });
      });
    });
    const outputs = Object.fromEntries(
      readFileSync(outputPath, 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const job: JobRun = {
      runId,
      attempt,
      eventName,
      payload,
      exitCode: code,
      stdout,
      stderr,
      summary: readFileSync(summaryPath, 'utf8'),
      outputs,
      ms: Date.now() - started,
    };
    this.jobs.push(job);
    return job;
  }
}
