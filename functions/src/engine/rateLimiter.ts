import { decideRate, type LimiterState } from "@clementine/pipeline";
import { createHash } from "node:crypto";
import type { Engine } from "./engine.js";
import { isAlreadyExists, isPreconditionFailed } from "./firestoreErrors.js";

export type TokenOutcome = { granted: true } | { granted: false; retryAt: number };

/**
 * Takes one grant of a rate limit for `key`, with a conditional write on the
 * limit's document (`/rateLimits/{hash}`: the grants that still count): the
 * state is in Firestore, so a restart resumes the same window instead of a burst.
 * `requester` keeps its place in the limit's queue when it comes back.
 * Writes one document per grant and one per refusal.
 */
export async function takeToken(engine: Engine, name: string, key: string, requester: string): Promise<TokenOutcome> {
  const rate = engine.rateLimits[name];
  if (!rate) throw new Error(`no rate limit named '${name}' is declared on the engine`);
  const ref = engine.db.collection("rateLimits").doc(createHash("sha256").update(`${name}\n${key}`).digest("hex").slice(0, 40));
  // Read, decide, write on the condition that nobody else wrote it meanwhile; else decide again.
  for (let attempt = 1; ; attempt++) {
    const snap = await ref.get();
    const state: LimiterState = { grants: (snap.get("grants") as LimiterState["grants"] | undefined) ?? [], queue: (snap.get("queue") as LimiterState["queue"] | undefined) ?? [] };
    const decision = decideRate(rate, state, requester, engine.now());
    try {
      if (snap.exists) await ref.update({ ...decision.state }, { lastUpdateTime: snap.updateTime! });
      else await ref.create({ name, key, ...decision.state });
      return decision.granted ? { granted: true } : { granted: false, retryAt: decision.retryAt };
    } catch (error) {
      if (attempt >= 20 || !(isAlreadyExists(error) || isPreconditionFailed(error))) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}
