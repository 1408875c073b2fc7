// Placeholder entry so the CDK app can bundle while the function is being built.
export const handler = async (): Promise<never> => {
  throw new Error('functions/inventory is not implemented yet');
};
