// A device's check of a release signature, with the public half of the signing key (GetPublicKey): used by the
// demo and the tests, never by a handler (whose role has no kms:GetPublicKey).
import { createPublicKey, verify } from "node:crypto";
import { GetPublicKeyCommand, type KMSClient } from "@aws-sdk/client-kms";

/** Whether `signature` (base64 DER) signs `data` under the key's public half, as a device would check it. */
export async function verifyWithPublicKey(
  kms: KMSClient,
  keyId: string,
  data: Uint8Array,
  signature: string,
): Promise<boolean> {
  const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
  const key = createPublicKey({ key: Buffer.from(PublicKey as Uint8Array), format: "der", type: "spki" });
  return verify("sha256", data, key, Buffer.from(signature, "base64"));
}
