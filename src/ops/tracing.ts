// OpenTelemetry tracing. With a traces URL (the typed config's `ops.tracesUrl`, from OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), spans go to that collector over OTLP/HTTP (JSON);
// without it every helper still works but records nothing (the API's no-op tracer), so callers never branch.
// Span tree: `webhook <event>` → `job <event>` → `github <METHOD> <route>` / `llm <provider>/<model>`.
// The webhook and the job run at different times (maybe on different replicas), so the webhook's context travels
// with the job as a W3C traceparent string: `currentTraceparent()` when enqueuing, `withParent()` when running.
import {
  context,
  isSpanContextValid,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Octokit } from '@octokit/rest';
import { routeTemplate } from './route-template.js';

const TRACER = 'baton';
let provider: NodeTracerProvider | undefined;

export interface TracingOptions {
  /** Where spans are POSTed (`Config['ops'].tracesUrl`); tracing stays off without one. */
  url?: string;
  serviceVersion?: string;
}

/**
 * Start tracing when an OTLP endpoint is configured. Returns true when spans will be exported.
 * Call once at start-up, before the app creates spans; a second call is ignored.
 */
export function initTracing(opts: TracingOptions = {}): boolean {
  if (provider) return true;
  const url = opts.url;
  if (!url) return false;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: 'baton',
      ...(opts.serviceVersion ? { [ATTR_SERVICE_VERSION]: opts.serviceVersion } : {}),
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  // Installs the AsyncLocalStorage context manager and W3C propagator, so active spans follow async calls.
  provider.register();
  return true;
}

/** Flush buffered spans and stop exporting (call on shutdown, after the queue stopped). */
export async function shutdownTracing(): Promise<void> {
  const p = provider;
  provider = undefined;
  if (!p) return;
  await p.shutdown();
  trace.disable();
  context.disable();
}

/** Export buffered spans now without shutting down. */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

/**
 * Run `fn` inside a new active span. Exceptions are recorded on the span, mark it as an error, and are rethrown.
 */
export async function withSpan<T>(name: string, attrs: Attributes, fn: (span: Span) => Promise<T> | T): Promise<T> {
  return trace.getTracer(TRACER).startActiveSpan(name, { attributes: attrs }, async (span) => {
    try {
      const result = await fn(span);
      span.setStatus({ code: SpanStatusCode.OK });
      return result;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      span.recordException(e);
      span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The active span as a W3C `traceparent` header value, or undefined when there is no (recording) span. */
export function currentTraceparent(): string | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !isSpanContextValid(sc)) return undefined;
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${sc.traceId}-${sc.spanId}-${flags}`;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Run `fn` with the span described by `traceparent` as the parent of spans it starts. A missing or malformed
 * value (an old job enqueued before tracing was on) just runs `fn` without a parent.
 */
export function withParent<T>(traceparent: string | undefined, fn: () => T): T {
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  if (!m || m[1] === 'ff') return fn();
  const sc = { traceId: m[2]!, spanId: m[3]!, traceFlags: parseInt(m[4]!, 16) & TraceFlags.SAMPLED, isRemote: true };
  if (!isSpanContextValid(sc)) return fn();
  return context.with(trace.setSpanContext(context.active(), sc), fn);
}

/** Wrap every GitHub request in a `github <METHOD> <route>` span (child of the active job span). */
export function traceOctokit(octokit: Pick<Octokit, 'hook'>): void {
  octokit.hook.wrap('request', async (request, options) => {
    const method = (options.method ?? 'GET').toUpperCase();
    const route = routeTemplate(options.url ?? '');
    return withSpan(
      `github ${method} ${route}`,
      { 'http.request.method': method, 'url.template': route },
      async (span) => {
        try {
          const response = await request(options);
          span.setAttribute('http.response.status_code', response.status);
          return response;
        } catch (err) {
          const status = (err as { status?: number }).status;
          if (typeof status === 'number') span.setAttribute('http.response.status_code', status);
          throw err;
        }
      },
    );
  });
}

/** Span around one LLM call, named `llm <provider>/<model>`. */
export function withLlmSpan<T>(
  provider: string,
  model: string,
  attrs: Attributes,
  fn: (span: Span) => Promise<T> | T,
): Promise<T> {
  return withSpan(
    `llm ${provider}/${model}`,
    { 'gen_ai.system': provider, 'gen_ai.request.model': model, ...attrs },
    fn,
  );
}
