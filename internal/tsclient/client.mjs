// The official MCP TypeScript SDK client against codex-mcp, driven by tsclient_test.go.
// It connects over stdio (spawning the server) or streamable HTTP, lists tools, prompts
// and resources, compiles every tool's input and output schema with Ajv (JSON Schema
// 2020-12, the MCP default dialect), calls every tool with arguments its input schema
// accepts, validates each structuredContent against the tool's output schema, receives
// progress, and cancels runs two ways (cancel_session, and an AbortSignal on the call).
// It prints one JSON summary line on stdout and exits non-zero on the first failure.
//
// Environment: TSCLIENT_MODE (stdio | http), TSCLIENT_DIR (the directory codex works in);
// stdio: TSCLIENT_SERVER (the binary), TSCLIENT_SERVER_ENV (its environment, JSON);
// http: TSCLIENT_URL, TSCLIENT_TOKEN (may be empty).

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const env = process.env;
const mode = env.TSCLIENT_MODE;
const dir = env.TSCLIENT_DIR;
const long = { timeout: 180_000 };

function fail(msg) {
  throw new Error(msg);
}
function check(cond, msg) {
  if (!cond) fail(msg);
}
function log(...args) {
  console.error('[tsclient]', ...args);
}

function transport(headers = {}) {
  if (mode === 'stdio') {
    return new StdioClientTransport({
      command: env.TSCLIENT_SERVER,
      args: [],
      env: JSON.parse(env.TSCLIENT_SERVER_ENV),
      stderr: 'inherit',
    });
  }
  const h = { ...headers };
  if (env.TSCLIENT_TOKEN && !('Authorization' in h)) h.Authorization = `Bearer ${env.TSCLIENT_TOKEN}`;
  return new StreamableHTTPClientTransport(new URL(env.TSCLIENT_URL), { requestInit: { headers: h } });
}

async function connect(headers) {
  const client = new Client({ name: 'tsclient', version: '1.0.0' }, { capabilities: {} });
  const t = transport(headers);
  await client.connect(t);
  return { client, t };
}

// What the HTTP guard refuses, as the SDK client meets it.
async function refusals() {
  const cases = [
    { name: 'no token', headers: { Authorization: '' }, status: 401 },
    { name: 'wrong token', headers: { Authorization: 'Bearer wrong-token-0123456789abcdef' }, status: 401 },
    { name: 'foreign Origin', headers: { Origin: 'https://evil.example' }, status: 403 },
  ];
  const seen = {};
  for (const c of cases) {
    if (c.status === 401 && !env.TSCLIENT_TOKEN) continue;
    const headers = { ...c.headers };
    if (headers.Authorization === '') delete headers.Authorization;
    const client = new Client({ name: 'tsclient-refused', version: '1.0.0' }, { capabilities: {} });
    const t = new StreamableHTTPClientTransport(new URL(env.TSCLIENT_URL), { requestInit: { headers } });
    try {
      await client.connect(t);
      fail(`${c.name}: connected, want HTTP ${c.status}`);
    } catch (e) {
      const code = e.code ?? e.status;
      check(code === c.status || String(e.message).includes(String(c.status)), `${c.name}: ${e.message} (code ${code}), want HTTP ${c.status}`);
      seen[c.name] = c.status;
    } finally {
      await client.close().catch(() => {});
    }
  }
  return seen;
}

async function main() {
  const summary = { mode, refused: {} };
  if (mode === 'http') summary.refused = await refusals();

  const { client, t } = await connect();
  const server = client.getServerVersion();
  check(server?.name === 'codex-mcp', `server info: ${JSON.stringify(server)}`);
  summary.protocolVersion = t.protocolVersion ?? null;
  summary.sessionId = t.sessionId ?? null;
  check(client.getInstructions()?.includes('decide_resume'), 'no instructions');

  // Tools, prompts, resources.
  const { tools } = await client.listTools();
  const { prompts } = await client.listPrompts();
  const { resourceTemplates } = await client.listResourceTemplates();
  const { resources } = await client.listResources();
  summary.tools = tools.map((x) => x.name).sort();
  summary.prompts = prompts.map((x) => x.name).sort();
  summary.resourceTemplates = resourceTemplates.map((x) => x.uriTemplate);
  summary.resources = resources.length;
  check(resourceTemplates.some((x) => x.uriTemplate === 'codex://sessions/{id}'), 'no codex://sessions/{id} template');
  check(prompts.some((x) => x.name === 'delegate_to_codex'), 'no delegate_to_codex prompt');

  // Every schema compiles with a standard validator, strictly.
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const input = {};
  const output = {};
  for (const tool of tools) {
    check(tool.outputSchema, `${tool.name}: no outputSchema`);
    try {
      input[tool.name] = ajv.compile(tool.inputSchema);
      output[tool.name] = ajv.compile(tool.outputSchema);
    } catch (e) {
      fail(`${tool.name}: schema does not compile: ${e.message}`);
    }
  }
  summary.schemasCompiled = Object.keys(input).length + Object.keys(output).length;

  const called = new Set();
  let validated = 0;
  // call calls a tool that must succeed; refusal, if given, is an isError answer that is
  // acceptable too (a caller's mistake or a limit the server explains), returned as null.
  async function call(name, args, options = {}, refusal = null) {
    check(input[name], `no tool ${name}`);
    check(input[name](args), `${name}: our arguments fail its input schema: ${ajv.errorsText(input[name].errors)}`);
    const res = await client.callTool({ name, arguments: args }, undefined, { ...long, ...options });
    if (res.isError && refusal && res.content?.some((c) => c.type === 'text' && refusal.test(c.text))) {
      called.add(name);
      return null;
    }
    check(!res.isError, `${name}: isError: ${JSON.stringify(res.content)}`);
    check(res.structuredContent, `${name}: no structuredContent`);
    check(output[name](res.structuredContent), `${name}: structuredContent fails the output schema: ${ajv.errorsText(output[name].errors)}`);
    check(res.content?.some((c) => c.type === 'text' && c.text), `${name}: no text summary`);
    called.add(name);
    validated++;
    return res.structuredContent;
  }

  const task = 'Create the greeting module in greet.txt';
  const d = await call('decide_resume', { task, directory: dir });
  check(d.decision === 'new' && d.suggested_call?.tool === 'start_session', `decide_resume: ${JSON.stringify(d)}`);

  const progress = [];
  const started = await call(
    'start_session',
    { ...d.suggested_call.arguments, task: `${task}\nRUN: echo hello > greet.txt\nREPLY: greeting done` },
    { onprogress: (p) => progress.push(p) },
  );
  check(started.status === 'completed' && started.final_message === 'greeting done', `start_session: ${JSON.stringify(started)}`);
  check(progress.some((p) => String(p.message).includes('ran `echo hello > greet.txt` (exit 0)')), `progress: ${JSON.stringify(progress)}`);
  check(progress.every((p, i) => i === 0 || p.progress > progress[i - 1].progress), `progress does not increase: ${JSON.stringify(progress)}`);
  summary.progress = progress.length;
  const id = started.session_id;

  const list = await call('list_sessions', { directory: dir });
  check(list.sessions.some((s) => s.session_id === id), `list_sessions: ${JSON.stringify(list)}`);
  const got = await call('get_session', { session_id: id });
  check(got.status === 'completed', `get_session: ${JSON.stringify(got)}`);
  const resumed = await call('resume_session', { session_id: id, task: 'Extend greet.txt with a farewell\nREPLY: extended' });
  check(resumed.session_id === id && resumed.status === 'completed', `resume_session: ${JSON.stringify(resumed)}`);
  // Codex before `exec fork` (0.125.0) cannot fork: the server says so as a tool error.
  const forked = await call('fork_session', { session_id: id, task: 'Try another greeting instead\nREPLY: forked' }, {}, /cannot fork sessions/);
  check(forked === null || (forked.session_id && forked.session_id !== id && forked.status === 'completed'), `fork_session: ${JSON.stringify(forked)}`);
  summary.forked = forked ? 'forked' : 'refused by this codex';

  const resource = await client.readResource({ uri: `codex://sessions/${id}` });
  check(resource.contents?.[0]?.text?.includes('greeting'), `resource: ${JSON.stringify(resource).slice(0, 300)}`);
  const prompt = await client.getPrompt({ name: 'delegate_to_codex', arguments: { task: 'Add a README' } });
  check(prompt.messages?.[0]?.content?.text?.includes('decide_resume'), `prompt: ${JSON.stringify(prompt).slice(0, 300)}`);

  // cancel_session on a run that goes on after wait_seconds.
  // Long enough for codex to name its session (0.125.0 takes a while to).
  const running = await call('start_session', { task: 'Wait for the model\nHANG', directory: dir, wait_seconds: 3 });
  check(running.status === 'running' && running.session_id, `start_session with wait_seconds: ${JSON.stringify(running)}`);
  const cancelled = await call('cancel_session', { session_id: running.session_id });
  check(cancelled.status === 'cancelled', `cancel_session: ${JSON.stringify(cancelled)}`);

  // An AbortSignal on the call cancels the run (notifications/cancelled).
  const abort = new AbortController();
  const abortTask = 'Abortable wait for the model\nHANG';
  const pending = client.callTool({ name: 'start_session', arguments: { task: abortTask, directory: dir } }, undefined, {
    ...long,
    signal: abort.signal,
    onprogress: () => {},
  });
  let abortedSession;
  for (let i = 0; i < 300 && !abortedSession; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const l = await client.callTool({ name: 'list_sessions', arguments: { directory: dir, status: 'running' } });
    abortedSession = l.structuredContent.sessions.find((s) => s.task?.startsWith('Abortable'))?.session_id;
  }
  check(abortedSession, 'the abortable run never showed as running');
  abort.abort('the test cancels');
  try {
    await pending;
    fail('the aborted call resolved');
  } catch (e) {
    check(abort.signal.aborted, `the aborted call failed otherwise: ${e}`);
  }
  let after;
  for (let i = 0; i < 300; i++) {
    after = await call('get_session', { session_id: abortedSession });
    if (after.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  check(after.status === 'cancelled', `after the abort: ${JSON.stringify(after)}`);
  summary.aborted = after.status;

  // Every tool the server lists was called; a new tool needs a call here.
  for (const tool of tools) check(called.has(tool.name), `no call in client.mjs for tool ${tool.name}`);
  summary.called = [...called].sort();
  summary.structuredValidated = validated;

  if (mode === 'http' && t.terminateSession) await t.terminateSession().catch(() => {});
  await client.close();
  process.stdout.write(JSON.stringify(summary) + '\n');
}

main().then(
  () => process.exit(0),
  (e) => {
    log('FAIL', e?.stack ?? e);
    process.exit(1);
  },
);
