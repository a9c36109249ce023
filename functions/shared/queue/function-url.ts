/**
 * Where a queue message for function `<name>` is delivered: `${PUBLIC_URL}/fn/<name>`. The same string is
 * the `sub` claim of the delivery signature, and the receiving function rebuilds it from PUBLIC_URL and
 * the request path (never the Host header), so both sides must agree on it: this is the one place.
 */
import type { FunctionName } from '../../../core/functions';

export function functionUrl(publicUrl: string, name: FunctionName): string {
  return `${publicUrl.replace(/\/+$/, '')}/fn/${name}`;
}
