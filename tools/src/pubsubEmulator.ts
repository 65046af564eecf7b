import { FIREBASE_PROJECT } from "./emulatorConfig.js";

/**
 * Publishes JSON (or a raw string) to a topic of the Pub/Sub emulator through
 * its REST API, as a publisher's client library would; resolves with the
 * messages' ids. `emulators:exec` sets PUBSUB_EMULATOR_HOST.
 */
export async function publishToEmulator(topic: string, messages: Array<string | object>): Promise<string[]> {
  const host = process.env.PUBSUB_EMULATOR_HOST ?? "127.0.0.1:8085";
  const res = await fetch(`http://${host}/v1/projects/${FIREBASE_PROJECT}/topics/${topic}:publish`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: messages.map((m) => ({ data: Buffer.from(typeof m === "string" ? m : JSON.stringify(m)).toString("base64") })) }),
  });
  if (!res.ok) throw new Error(`publish to ${topic} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { messageIds: string[] }).messageIds;
}
