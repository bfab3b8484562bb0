// Runs @cloud-copilot/iam-simulate (AGPL-3.0, a test-time oracle only) on cases read as
// JSON from stdin: [{policies, resourcePolicy, permissionBoundary, action, principal,
// resource, accountId, context}], and prints [{result, ignored, errors}] (result: Allowed |
// ExplicitlyDenied | ImplicitlyDenied | Error; ignored: the context keys the simulator
// dropped as not applying to the action). One process for all cases. Called by
// test_iam_differential.py.
'use strict';
const { runSimulation } = require('@cloud-copilot/iam-simulate');

async function one(c) {
  const simulation = {
    identityPolicies: c.policies.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      action: c.action,
      principal: c.principal,
      resource: { accountId: c.accountId, resource: c.resource },
      contextVariables: c.context,
    },
  };
  if (c.resourcePolicy) simulation.resourcePolicy = c.resourcePolicy;
  if (c.permissionBoundary) simulation.permissionBoundaryPolicies = [{ name: 'boundary', policy: c.permissionBoundary }];
  const response = await runSimulation(simulation, { simulationMode: 'Strict' });
  if (response.resultType === 'error') {
    return { result: 'Error', errors: JSON.stringify(response.errors).slice(0, 400) };
  }
  const ignored = response.result ? response.result.ignoredContextKeys || [] : [];
  return { result: response.overallResult, ignored };
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const results = [];
  for (const c of cases) {
    try {
      results.push(await one(c));
    } catch (error) {
      results.push({ result: 'Error', errors: String(error).slice(0, 400) });
    }
  }
  process.stdout.write(JSON.stringify(results));
}

main();
