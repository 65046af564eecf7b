import { AUTH_HOST } from "./emulatorConfig.js";

export interface Guest {
  uid: string;
  idToken: string;
}

/** Signs a new guest in anonymously through the Auth emulator's REST API, as a web client would. */
export async function signUpAnonymously(): Promise<Guest> {
  const res = await fetch(`${AUTH_HOST}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo-key`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ returnSecureToken: true }),
  });
  if (!res.ok) throw new Error(`anonymous sign-in failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { localId: string; idToken: string };
  return { uid: body.localId, idToken: body.idToken };
}

/** Signs an email/password user in through the Auth emulator's REST API; resolves to their ID token. */
export async function signInWithPassword(email: string, password: string): Promise<string> {
  const res = await fetch(`${AUTH_HOST}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo-key`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password, returnSecureToken: true }),
  });
  if (!res.ok) throw new Error(`password sign-in failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { idToken: string }).idToken;
}
