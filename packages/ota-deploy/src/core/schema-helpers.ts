// Schema pieces the deployment config and its alarm sections share, so their messages read the same.
import * as z from "zod/mini";

/** A whole number in [min, max], refused with the range. */
export const int = (min: number, max: number) => {
  const range = `must be a whole number from ${min} to ${max}`;
  return z.int(range).check(z.minimum(min, range), z.maximum(max, range));
};
