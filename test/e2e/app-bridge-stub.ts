/**
 * A minimal stand-in for App Bridge (cdn.shopify.com/shopifycloud/app-bridge.js), which is
 * unreachable offline. Served by the browser tests (and reusable by the demo's fake admin)
 * at the URL given to the app as KIZUNA_APP_BRIDGE_URL. It provides what Kizuna uses:
 *
 * - `shopify.idToken()`: from `window.__kizunaIdToken()` when the test exposes one, else
 *   GET `id-token?shop=<shop>` next to this script (the demo's fake admin serves that);
 * - `fetch` to the app's origin carries `Authorization: Bearer <id token>`, as App Bridge's
 *   own fetch does, so Remix data requests and downloads authenticate;
 * - `shopify.toast.show()`: toasts appear in the page (data-testid="toast");
 * - `ui-title-bar`, `ui-nav-menu`, `ui-save-bar`: drawn inside the page, where the admin
 *   would draw them around it (title, navigation links, and a save bar whose buttons click
 *   the app's own hidden ones).
 */
export const APP_BRIDGE_STUB = String.raw`(() => {
  const script = document.currentScript;
  const base = script ? new URL(".", script.src) : new URL("/", location.href);
  const shop = new URL(location.href).searchParams.get("shop") || "";
  const nativeFetch = window.fetch.bind(window);
  // Like App Bridge, reuse a token for most of its one-minute life.
  let cached = null;
  const idToken = async () => {
    if (cached && cached.until > Date.now()) return cached.token;
    const token =
      typeof window.__kizunaIdToken === "function"
        ? await window.__kizunaIdToken(shop)
        : await nativeFetch(new URL("id-token?shop=" + encodeURIComponent(shop), base), {
            cache: "no-store",
          }).then((response) => response.text());
    cached = { token, until: Date.now() + 40000 };
    return token;
  };

  window.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).origin !== location.origin || request.headers.has("Authorization")) {
      return nativeFetch(request);
    }
    const headers = new Headers(request.headers);
    headers.set("Authorization", "Bearer " + (await idToken()));
    return nativeFetch(new Request(request, { headers }));
  };

  const toasts = [];
  const toastHost = () => {
    let host = document.getElementById("kz-toasts");
    if (!host) {
      host = document.createElement("div");
      host.id = "kz-toasts";
      host.style.cssText =
        "position:fixed;bottom:16px;left:50%;transform:translateX(-50%);z-index:1000;display:flex;flex-direction:column;gap:8px;align-items:center";
      document.body.append(host);
    }
    return host;
  };
  window.shopify = {
    idToken,
    config: { apiKey: script ? script.dataset.apiKey : "", shop },
    toast: {
      show(message, options = {}) {
        const id = String(toasts.length + 1);
        toasts.push({ id, message, isError: Boolean(options.isError) });
        const el = document.createElement("div");
        el.dataset.testid = "toast";
        el.dataset.error = String(Boolean(options.isError));
        el.textContent = message;
        el.style.cssText =
          "padding:10px 16px;border-radius:10px;font:14px system-ui;color:#fff;background:" +
          (options.isError ? "#8e1f0b" : "#303030");
        toastHost().append(el);
        setTimeout(() => el.remove(), options.duration || 5000);
        return id;
      },
      hide() {},
    },
    get toasts() {
      return toasts.slice();
    },
  };

  const BAR =
    "display:flex;align-items:center;gap:12px;padding:10px 16px;background:#1a1a1a;color:#e3e3e3;font:600 14px system-ui";

  class TitleBar extends HTMLElement {
    static observedAttributes = ["title"];
    constructor() {
      super();
      this.attachShadow({ mode: "open" }).innerHTML =
        '<div part="bar" data-testid="title-bar" style="' + BAR + '"></div>';
    }
    connectedCallback() {
      this.render();
    }
    attributeChangedCallback() {
      this.render();
    }
    render() {
      this.shadowRoot.firstChild.textContent = this.getAttribute("title") || "";
    }
  }

  class NavMenu extends HTMLElement {
    constructor() {
      super();
      this.attachShadow({ mode: "open" });
      new MutationObserver(() => this.render()).observe(this, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    }
    connectedCallback() {
      this.render();
    }
    render() {
      const links = [...this.querySelectorAll("a")];
      const nav = document.createElement("nav");
      nav.setAttribute("data-testid", "nav-menu");
      nav.style.cssText =
        "display:flex;gap:4px;flex-wrap:wrap;padding:6px 12px;background:#ebebeb;font:13px system-ui";
      for (const link of links) {
        const a = document.createElement("a");
        a.href = link.getAttribute("href");
        a.textContent = link.textContent;
        a.style.cssText = "padding:4px 10px;border-radius:8px;color:#303030;text-decoration:none";
        if (location.pathname === new URL(a.href).pathname) a.style.background = "#fff";
        // The app's own link navigates client-side (Remix), as a click in the admin would.
        a.addEventListener("click", (event) => {
          event.preventDefault();
          link.click();
        });
        nav.append(a);
      }
      this.shadowRoot.replaceChildren(nav);
    }
  }
  addEventListener("popstate", () => document.querySelectorAll("ui-nav-menu").forEach((n) => n.render()));

  class SaveBar extends HTMLElement {
    constructor() {
      super();
      this.showing = false;
      const root = this.attachShadow({ mode: "open" });
      root.innerHTML =
        '<div data-testid="save-bar" style="position:fixed;top:0;left:0;right:0;z-index:999;justify-content:space-between;' +
        BAR +
        ';display:none"><span>Unsaved changes</span><span style="display:flex;gap:8px">' +
        '<button data-action="discard" type="button">Discard</button>' +
        '<button data-action="save" type="button">Save</button></span></div>';
      root.querySelector('[data-action="save"]').addEventListener("click", () => this.press(true));
      root.querySelector('[data-action="discard"]').addEventListener("click", () => this.press(false));
    }
    press(save) {
      const buttons = [...this.querySelectorAll("button")];
      const target = buttons.find((b) => (b.getAttribute("variant") === "primary") === save);
      if (target && !target.disabled) target.click();
    }
    show() {
      this.showing = true;
      this.shadowRoot.firstChild.style.display = "flex";
      this.dispatchEvent(new Event("show"));
      return Promise.resolve();
    }
    hide() {
      this.showing = false;
      this.shadowRoot.firstChild.style.display = "none";
      this.dispatchEvent(new Event("hide"));
      return Promise.resolve();
    }
    toggle() {
      return this.showing ? this.hide() : this.show();
    }
  }

  customElements.define("ui-title-bar", TitleBar);
  customElements.define("ui-nav-menu", NavMenu);
  customElements.define("ui-save-bar", SaveBar);
})();
`;
