import { useCallback, useEffect, useMemo, useState } from "react";
import { Session, SessionContext } from "./api";
import { I18nContext, Lang, createI18n, initialLang, rememberLang, useI18n } from "./i18n";
import { CarrierHome } from "./pages/carrier";
import { DrillPage } from "./pages/drill";
import { PoliceHome } from "./pages/police";
import { RegulatorHome } from "./pages/regulator";
import { SignIn } from "./pages/sign-in";
import { Link, parseRoute, useRoute } from "./router";
import { claimsFor, forgetCredential, storeCredential, storedCredential } from "./session";

function Home({ role }: { role: string }) {
  const i18n = useI18n();
  if (role === "REGULATOR") return <RegulatorHome />;
  if (role === "POLICE") return <PoliceHome />;
  if (role === "CARRIER") return <CarrierHome />;
  return (
    <p className="note" role="status" data-unsupported-role={role}>
      {i18n.t("unsupportedRole", { role: i18n.label("role", role) })}
    </p>
  );
}

function Pages({ role }: { role: string }) {
  const i18n = useI18n();
  const route = parseRoute(useRoute());
  if (route.page === "home") return <Home role={role} />;
  if (route.page === "drill") return <DrillPage province={route.province} carrier={route.carrier} />;
  return (
    <div className="note" role="status">
      <p>{i18n.t("notFoundPage")}</p>
      <Link to="/">{i18n.t("backHome")}</Link>
    </div>
  );
}

export function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const i18n = useMemo(() => createI18n(lang), [lang]);
  const [credential, setCredential] = useState(storedCredential);
  const [generation, setGeneration] = useState(0);
  const token = credential?.token ?? null;
  const claims = useMemo(() => (credential ? claimsFor(credential.token, credential.layout) : null), [credential]);

  useEffect(() => {
    document.documentElement.lang = i18n.locale;
    document.title = `${i18n.t("appTitle")} · ${i18n.t("consoleTitle")}`;
  }, [i18n]);

  const switchLang = () => {
    const next: Lang = lang === "zh" ? "en" : "zh";
    rememberLang(next);
    setLang(next);
  };
  const signOut = useCallback(() => {
    forgetCredential();
    setCredential(null);
  }, []);
  const refresh = useCallback(() => setGeneration((n) => n + 1), []);
  const session = useMemo<Session | null>(
    () => (token && claims ? { token, claims, signOut, generation, refresh } : null),
    [token, claims, signOut, generation, refresh],
  );
  const signIn = (value: string, layout: string | null) => {
    storeCredential(value, layout);
    setCredential({ token: value, layout });
    // The form is gone: the keyboard and screen reader go on from the page it opened.
    requestAnimationFrame(() => document.getElementById("main")?.focus());
  };

  return (
    <I18nContext.Provider value={i18n}>
      <a className="skip" href="#main">
        {i18n.t("skipToContent")}
      </a>
      <header className="top">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            400
          </span>
          <span>
            {i18n.t("appTitle")} · {i18n.t("consoleTitle")}
          </span>
        </div>
        <div className="top-actions">
          {session && (
            <span className="who" data-signed-in={session.claims.org}>
              {i18n.t("signedInAs", { org: session.claims.apiKey ? i18n.t("apiKey") : session.claims.org, role: i18n.label("role", session.claims.role) })}
            </span>
          )}
          <button type="button" className="secondary" onClick={switchLang} aria-label={i18n.t("otherLanguageLabel")} lang={lang === "zh" ? "en" : "zh-CN"} data-action="switch-language">
            {i18n.t("otherLanguage")}
          </button>
          {session && (
            <button type="button" className="secondary" onClick={signOut} data-action="sign-out">
              {i18n.t("signOut")}
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {session ? (
          <SessionContext.Provider value={session}>
            <Pages role={session.claims.role} />
          </SessionContext.Provider>
        ) : (
          <SignIn onSignIn={signIn} notice={token && !claims ? i18n.t("tokenNotJwt") : null} />
        )}
      </main>
    </I18nContext.Provider>
  );
}
