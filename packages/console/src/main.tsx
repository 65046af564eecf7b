import { render } from "preact";
import { App } from "./app.js";
import { connect } from "./firebase.js";
import "./style.css";

const root = document.getElementById("app")!;
connect()
  .then((services) => render(<App services={services} />, root))
  .catch((error: unknown) => render(<p class="fatal">Could not load the Firebase configuration: {String(error)}</p>, root));
