// ECDSA-SHA256 with an asymmetric KMS key: KMS signs the file's SHA-256 digest (MessageType DIGEST), so the
// private key never leaves AWS and the file is never sent to KMS. KMS answers the DER-encoded signature, which
// FreeRTOS OTA takes base64-encoded as `sig-sha256-ecdsa`.

import { type KMSClient, SignCommand } from "@aws-sdk/client-kms";

export async function signDigest(kms: KMSClient, keyId: string, sha256Hex: string): Promise<string> {
  const answer = await kms.send(
    new SignCommand({
      KeyId: keyId,
      Message: Buffer.from(sha256Hex, "hex"),
      MessageType: "DIGEST",
      SigningAlgorithm: "ECDSA_SHA_256",
    }),
  );
  return Buffer.from(answer.Signature as Uint8Array).toString("base64");
}
