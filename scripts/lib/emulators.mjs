// Makes the Firebase emulators start on this machine without manual steps:
// finds a Java 21+ (firebase-tools 15 refuses older ones), and where the
// Firestore emulator jar cannot be downloaded but Debian's
// google-cloud-cli-firestore-emulator is installed, saves a launcher jar under
// the name firebase-tools looks for. Online machines without that package are
// left to firebase-tools' normal download.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { crc32 } from "node:zlib";
import { fail, root, step } from "./log.mjs";

const MIN_JAVA = 21;
const DEBIAN_FIRESTORE_JAR = "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar";
const DEBIAN_PUBSUB_EMULATOR = "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator";
const FIRESTORE_MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore";

/** Environment for firebase-tools: Java 21+ first on PATH, quiet and offline-safe. */
export function emulatorEnv(base = process.env) {
  const javaHome = findJavaHome(base);
  ensureFirestoreJar(base);
  return {
    ...base,
    ...pubsubEmulator(base),
    JAVA_HOME: javaHome,
    PATH: `${join(javaHome, "bin")}${delimiter}${base.PATH ?? ""}`,
    // Nothing may leave loopback: CI skips firebase-tools' MOTD fetch, npm
    // offline answers its `npm show firebase-functions` from the cache.
    CI: "true",
    npm_config_offline: "true",
    NO_UPDATE_NOTIFIER: "1",
    METADATA_SERVER_DETECTION: "none",
    FIREBASE_CLI_DISABLE_UPDATE_CHECK: "true",
    // What Cloud Functions' launcher sets in production. Without it, Express
    // (in the emulator's front end and in each function's runtime, which
    // inherits this) answers a request it cannot parse (malformed JSON, an
    // unknown charset or content-encoding, a bad %-escape in the path) with an
    // HTML page showing a stack trace and absolute paths; with it the page
    // says only "Bad Request".
    NODE_ENV: "production",
    // The functions emulator abandons a worker process not ready within this
    // many seconds (default 30), dropping its request or task delivery: a cold
    // burst on two cores needs longer. Local stack and tests only; override
    // it, or FUNCTIONS_EMULATOR_PARALLEL (processes at once, default 50), in
    // your environment.
    FUNCTIONS_DISCOVERY_TIMEOUT: base.FUNCTIONS_DISCOVERY_TIMEOUT ?? "120",
  };
}

/**
 * The Pub/Sub emulator is a download too; Debian's google-cloud-cli-pubsub-emulator
 * ships it, and firebase-tools starts whatever PUBSUB_EMULATOR_BINARY_PATH names.
 */
function pubsubEmulator(env) {
  if (env.PUBSUB_EMULATOR_BINARY_PATH) return {};
  const cacheDir = env.FIREBASE_EMULATORS_PATH || join(homedir(), ".cache", "firebase", "emulators");
  const require = createRequire(join(root, "package.json"));
  const toolsDir = dirname(require.resolve("firebase-tools/package.json"));
  const info = JSON.parse(readFileSync(join(toolsDir, "lib", "emulator", "downloadableEmulatorInfo.json"), "utf8"));
  if (existsSync(join(cacheDir, info.pubsub.binaryPathRelativeToCacheDir))) return {};
  if (existsSync(DEBIAN_PUBSUB_EMULATOR)) return { PUBSUB_EMULATOR_BINARY_PATH: DEBIAN_PUBSUB_EMULATOR };
  step("Pub/Sub emulator: firebase-tools will download it (needs internet). Offline, install Debian's google-cloud-cli-pubsub-emulator instead and run this again.");
  return {};
}

function javaMajor(javaBin) {
  const r = spawnSync(javaBin, ["-version"], { encoding: "utf8" });
  if (r.status !== 0) return 0;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr + r.stdout);
  if (!m) return 0;
  const major = Number(m[1]);
  return major === 1 ? Number(m[2]) : major;
}

function findJavaHome(env) {
  const candidates = [];
  if (env.JAVA_HOME) candidates.push(env.JAVA_HOME);
  const onPath = spawnSync("sh", ["-c", "command -v java"], { encoding: "utf8" }).stdout.trim();
  if (onPath) {
    const real = spawnSync("readlink", ["-f", onPath], { encoding: "utf8" }).stdout.trim() || onPath;
    candidates.push(dirname(dirname(real)));
  }
  for (const dir of ["/usr/lib/jvm", "/opt/java", "/Library/Java/JavaVirtualMachines"]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort().reverse()) {
      const home = join(dir, name);
      candidates.push(existsSync(join(home, "Contents", "Home")) ? join(home, "Contents", "Home") : home);
    }
  }
  const seen = [];
  for (const home of candidates) {
    const major = javaMajor(join(home, "bin", "java"));
    if (major >= MIN_JAVA) return home;
    if (major) seen.push(`${home} (Java ${major})`);
  }
  fail(
    `The Firebase emulators need Java ${MIN_JAVA} or newer, and none was found.\n` +
      (seen.length ? `  Found only: ${seen.join(", ")}\n` : "") +
      `  Install one (e.g. \`apt-get install openjdk-${MIN_JAVA}-jre-headless\`, or Temurin) ` +
      "and/or point JAVA_HOME at it, then run this again.",
  );
}

function ensureFirestoreJar(env) {
  const require = createRequire(join(root, "package.json"));
  const toolsDir = dirname(require.resolve("firebase-tools/package.json"));
  const info = JSON.parse(readFileSync(join(toolsDir, "lib", "emulator", "downloadableEmulatorInfo.json"), "utf8"));
  const cacheDir = env.FIREBASE_EMULATORS_PATH || join(homedir(), ".cache", "firebase", "emulators");
  const target = join(cacheDir, info.firestore.downloadPathRelativeToCacheDir);
  if (existsSync(target)) return;
  if (!existsSync(DEBIAN_FIRESTORE_JAR)) {
    step(
      "Firestore emulator: firebase-tools will download it (needs internet). Offline, install Debian's " +
        "google-cloud-cli-firestore-emulator instead and run this again.",
    );
    return;
  }
  mkdirSync(cacheDir, { recursive: true });
  const manifest =
    "Manifest-Version: 1.0\r\n" +
    `Main-Class: ${FIRESTORE_MAIN_CLASS}\r\n` +
    `Class-Path: file://${DEBIAN_FIRESTORE_JAR}\r\n\r\n`;
  writeFileSync(target, zipOneFile("META-INF/MANIFEST.MF", Buffer.from(manifest)));
  step(`Firestore emulator: using ${DEBIAN_FIRESTORE_JAR} through a launcher at ${target}`);
}

/** A minimal stored (uncompressed) zip holding one file: enough for a manifest-only jar. */
function zipOneFile(name, data) {
  const nameBuf = Buffer.from(name);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBuf.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBuf.length, 28);
  const centralOffset = local.length + nameBuf.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBuf.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, nameBuf, data, central, nameBuf, end]);
}
