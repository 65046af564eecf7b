import { onAuthStateChanged, signInWithEmailAndPassword, signOut, type User } from "firebase/auth";
import { doc, getDoc } from "firebase/firestore";
import { useEffect, useState } from "preact/hooks";
import type { Services } from "./firebase.js";
import { field } from "./format.js";
import { Metrics } from "./metrics.js";
import { RunDetail } from "./runDetail.js";
import { RunsList } from "./runsList.js";
import { go, href, useKeys, useRoute, type Route } from "./route.js";
import { StartDemo } from "./startDemo.js";

const DEFAULT_PROJECT = "demo-project";

type Access = { state: "checking" } | { state: "admin" } | { state: "denied" };

export function App({ services }: { services: Services }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [project, setProject] = useState(() => new URLSearchParams(location.search).get("project") ?? localStorage.getItem("clementine.project") ?? DEFAULT_PROJECT);
  const [access, setAccess] = useState<Access>({ state: "checking" });
  useEffect(() => onAuthStateChanged(services.auth, setUser), [services]);
  useEffect(() => {
    if (!user) return;
    setAccess({ state: "checking" });
    localStorage.setItem("clementine.project", project);
    // Members documents say who administers a project; a user may read their own.
    getDoc(doc(services.db, "projects", project, "members", user.uid))
      .then((member) => setAccess({ state: member.get("role") === "admin" ? "admin" : "denied" }))
      .catch(() => setAccess({ state: "denied" }));
  }, [user, project, services]);

  if (user === undefined) return <p class="loading">Loading…</p>;
  if (user === null) return <SignIn services={services} />;
  return (
    <Shell services={services} user={user} project={project} onProject={setProject}>
      {access.state === "checking" ? (
        <p class="loading">Checking access…</p>
      ) : access.state === "denied" ? (
        <p class="notice" data-testid="not-admin">
          {user.email ?? "This account"} is not an admin of project <b>{project}</b>: the console shows a project's runs to its admins only.
        </p>
      ) : (
        <Views services={services} project={project} />
      )}
    </Shell>
  );
}

function Views({ services, project }: { services: Services; project: string }) {
  const route = useRoute();
  useKeys({ r: () => go({ view: "runs" }), d: () => go({ view: "dead-letters" }), m: () => go({ view: "metrics" }), n: () => go({ view: "start" }) });
  switch (route.view) {
    case "runs":
      return <RunsList key="runs" services={services} project={project} deadLetters={false} />;
    case "dead-letters":
      // Its own instance: nothing of the other list's rows shows while its query loads.
      return <RunsList key="dead-letters" services={services} project={project} deadLetters />;
    case "run":
      return <RunDetail services={services} runId={route.runId} />;
    case "start":
      return <StartDemo services={services} project={project} />;
    case "metrics":
      return <Metrics services={services} project={project} />;
    default:
      return route satisfies never;
  }
}

const NAV: Array<{ route: Route; label: string; key: string }> = [
  { route: { view: "runs" }, label: "Runs", key: "r" },
  { route: { view: "dead-letters" }, label: "Dead letters", key: "d" },
  { route: { view: "metrics" }, label: "Metrics", key: "m" },
  { route: { view: "start" }, label: "Start demo task", key: "n" },
];

function Shell({ services, user, project, onProject, children }: { services: Services; user: User; project: string; onProject: (p: string) => void; children: preact.ComponentChildren }) {
  const route = useRoute();
  const active = route.view === "run" ? "runs" : route.view;
  return (
    <div class="shell">
      <header>
        <strong class="brand">Clementine</strong>
        <nav>
          {NAV.map((item) => (
            <a href={href(item.route)} class={item.route.view === active ? "active" : ""} title={`Shortcut: ${item.key}`}>
              {item.label} <kbd>{item.key}</kbd>
            </a>
          ))}
        </nav>
        <form
          class="project"
          onSubmit={(e) => {
            e.preventDefault();
            onProject(field(new FormData(e.currentTarget), "project") || project);
          }}
        >
          <label>
            Project <input name="project" value={project} size={14} />
          </label>
        </form>
        <span class="who">{user.email ?? user.uid}</span>
        <button class="link" onClick={() => void signOut(services.auth)}>
          Sign out
        </button>
      </header>
      <main>{children}</main>
      {services.local && <footer>Local stack: Auth, Firestore and Functions emulators on this machine.</footer>}
    </div>
  );
}

function SignIn({ services }: { services: Services }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="sign-in"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        setBusy(true);
        setError(null);
        signInWithEmailAndPassword(services.auth, field(form, "email"), field(form, "password"))
          .catch((err: { code?: string }) => setError(err.code === "auth/invalid-credential" ? "Wrong email or password." : `Could not sign in (${err.code ?? "unknown error"}).`))
          .finally(() => setBusy(false));
      }}
    >
      <h1>Clementine console</h1>
      <p>Every pipeline's runs, live. Sign in as a project admin.</p>
      <label>
        Email <input name="email" type="email" autocomplete="username" required autofocus />
      </label>
      <label>
        Password <input name="password" type="password" autocomplete="current-password" required />
      </label>
      {error && <p class="error">{error}</p>}
      <button type="submit" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
      {services.local && <p class="hint">Local stack: the seeded admin is admin@demo.test / demo-password.</p>}
    </form>
  );
}
