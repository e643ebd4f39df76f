/** Whether this run is CI's (CI set and not '', '0' or 'false'): there a missing server or browser is a broken machine, not a reason to skip. */
export const inCi = (): boolean => {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
};
