// Placeholder entry so the CDK app can bundle while the function is being built.
export const handler = async (): Promise<never> => {
  throw new Error('functions/ingest-flows is not implemented yet');
};
