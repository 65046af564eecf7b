import { initializeApp } from "firebase-admin/app";
import { getStorage } from "firebase-admin/storage";
import { CloudStorageImageStore } from "./cloudStorageStore.js";
import { imageStoreContract } from "./imageStore.contract.js";

// Run by `npm run test:storage`, inside `firebase emulators:exec --only storage` (which sets STORAGE_EMULATOR_HOST).
const app = initializeApp({ projectId: "demo-clementine-test", storageBucket: "demo-clementine-test.appspot.com" }, "storage-contract");
const store = new CloudStorageImageStore(getStorage(app).bucket());

imageStoreContract("Cloud Storage (emulator)", () => store);
