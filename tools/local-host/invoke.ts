/**
 * One invocation, performed the way the Node worker performs it (InvocationHandler in
 * azure-functions-nodejs-worker): the library's own InvocationModel turns the host's RPC inputs into the
 * HttpRequest / Timer / message and the InvocationContext, preInvocation hooks may swap inputs or handler,
 * postInvocation hooks see the result or error, and the model converts the result and extraOutputs back.
 * Output bindings are written only when all of that succeeded. Logs mimic the host's Executing/Executed lines.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { RegisteredFunction } from './fake-core';
import { writeOutputs } from './output-bindings';
import type { CoreInvocationContext, FunctionCallback, RpcInvocationResponse, RpcParameterBinding, RpcTypedData } from './rpc';
import { describeError, runHooks, shouldShow, type HostRuntime } from './runtime';

export interface TriggerInput {
  inputData: RpcParameterBinding[];
  triggerMetadata?: Record<string, RpcTypedData>;
  /** W3C traceparent of the caller, if any; otherwise a new trace starts here. */
  traceParent?: string;
  reason: string;
}

export type Outcome = { ok: true; response: RpcInvocationResponse } | { ok: false; error: unknown };

function readOnly(name: string): never {
  throw new Error(`Cannot assign to read only property '${name}'`);
}

async function run(rt: HostRuntime, fn: RegisteredFunction, invocationId: string, trigger: TriggerInput): Promise<RpcInvocationResponse> {
  const name = fn.metadata.name;
  const coreCtx: CoreInvocationContext = {
    invocationId,
    request: {
      invocationId,
      functionId: name,
      inputData: trigger.inputData,
      triggerMetadata: trigger.triggerMetadata,
      traceContext: { traceParent: trigger.traceParent ?? `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`, traceState: '', attributes: {} },
    },
    metadata: fn.metadata,
    log: (level, category, message) => {
      if (category === 'user' ? shouldShow(level) : level === 'warning' || level === 'error' || level === 'critical') {
        rt.log(`[${name}]${level === 'information' ? '' : ` [${level}]`} ${message}`);
      }
    },
  };
  const model = await rt.model.getInvocationModel(coreCtx);
  const hookData: Record<string, unknown> = {};
  const { context, inputs } = await model.getArguments();
  const shared = {
    get hookData() { return hookData; },
    set hookData(_v) { readOnly('hookData'); },
    get appHookData() { return rt.appHookData; },
    set appHookData(_v) { readOnly('appHookData'); },
    get invocationContext() { return context; },
    set invocationContext(_v) { readOnly('invocationContext'); },
  };
  const pre = Object.defineProperties({ functionCallback: fn.callback as FunctionCallback, inputs }, Object.getOwnPropertyDescriptors(shared));
  coreCtx.state = 'preInvocationHooks';
  try { await runHooks(rt, 'preInvocation', pre); } finally { coreCtx.state = undefined; }

  const post = Object.defineProperties({ inputs: pre.inputs, result: null as unknown, error: null as unknown }, Object.getOwnPropertyDescriptors(shared));
  coreCtx.state = 'invocation';
  try {
    post.result = await model.invokeFunction(context, pre.inputs, pre.functionCallback);
  } catch (error) {
    post.error = error;
  } finally {
    coreCtx.state = undefined;
  }
  coreCtx.state = 'postInvocationHooks';
  try { await runHooks(rt, 'postInvocation', post); } finally { coreCtx.state = undefined; }
  if (post.error !== null && post.error !== undefined) throw post.error;
  return model.getResponse(context, post.result);
}

export async function invoke(rt: HostRuntime, fn: RegisteredFunction, trigger: TriggerInput): Promise<Outcome> {
  const invocationId = randomUUID();
  const name = fn.metadata.name;
  const started = performance.now();
  const duration = (): number => Math.round(performance.now() - started);
  rt.log(`Executing 'Functions.${name}' (Reason='${trigger.reason}', Id=${invocationId})`);
  try {
    const response = await run(rt, fn, invocationId, trigger);
    await writeOutputs(rt, fn.metadata, response);
    rt.log(`Executed 'Functions.${name}' (Succeeded, Id=${invocationId}, Duration=${duration()}ms)`);
    return { ok: true, response };
  } catch (error) {
    rt.log(`Executed 'Functions.${name}' (Failed, Id=${invocationId}, Duration=${duration()}ms)`);
    rt.log(`[${name}] [error] Exception while executing function: Functions.${name}. ${describeError(error)}`);
    return { ok: false, error };
  }
}
