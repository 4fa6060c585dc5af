/** Default sandbox ports (issue: identity 7300, Graph 7301, Dataverse 7302), each overridable. */
export const SANDBOX_PORTS = {
  functions: Number(process.env.SANDBOX_FUNCTIONS_PORT ?? 7071),
  identity: Number(process.env.SANDBOX_IDENTITY_PORT ?? 7300),
  graph: Number(process.env.SANDBOX_GRAPH_PORT ?? 7301),
  dataverse: Number(process.env.SANDBOX_DATAVERSE_PORT ?? 7302),
};
