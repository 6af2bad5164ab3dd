import { FormEvent, useId, useState } from "react";
import { useI18n } from "../i18n";
import { LAYOUT_ROLES, claimsOf, cleanToken, isApiKey } from "../session";

/**
 * A pasted token (or API key), checked for shape and expiry here; the server decides whether it is
 * valid. A key carries no readable role, so its user picks the layout.
 */
export function SignIn({ onSignIn, notice }: { onSignIn(token: string, layout: string | null): void; notice?: string | null }) {
  const i18n = useI18n();
  const id = useId();
  const [text, setText] = useState("");
  const [layout, setLayout] = useState("");
  const [problem, setProblem] = useState<string | null>(notice ?? null);
  const key = isApiKey(cleanToken(text));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const token = cleanToken(text);
    if (token === "") return setProblem(i18n.t("tokenEmpty"));
    if (key) {
      if (!layout) return setProblem(i18n.t("layoutMissing"));
      return onSignIn(token, layout);
    }
    const claims = claimsOf(token);
    if (!claims) return setProblem(i18n.t("tokenNotJwt"));
    if (claims.exp !== null && claims.exp * 1000 <= Date.now()) {
      return setProblem(i18n.t("tokenExpired", { time: i18n.time(new Date(claims.exp * 1000).toISOString()) }));
    }
    onSignIn(token, null);
  };

  return (
    <div className="sign-in">
      <h1>{i18n.t("signInTitle")}</h1>
      <p className="help">{i18n.t("signInHelp")}</p>
      <form className="form" onSubmit={submit} noValidate>
        <label htmlFor={id}>{i18n.t("tokenLabel")}</label>
        <textarea
          id={id}
          name="token"
          rows={4}
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          aria-describedby={`${id}-hint`}
          aria-invalid={problem !== null}
        />
        <p className="hint" id={`${id}-hint`}>
          <code>{i18n.t("tokenHint")}</code>
        </p>
        {key && (
          <>
            <label htmlFor={`${id}-layout`}>{i18n.t("layoutLabel")}</label>
            <select id={`${id}-layout`} name="layout" value={layout} onChange={(e) => setLayout(e.target.value)}>
              <option value="" />
              {LAYOUT_ROLES.map((role) => (
                <option key={role} value={role}>
                  {i18n.label("role", role)}
                </option>
              ))}
            </select>
          </>
        )}
        {problem && (
          <p className="note note-error" role="alert">
            <span aria-hidden="true">⚠ </span>
            {problem}
          </p>
        )}
        <div>
          <button type="submit">{i18n.t("signIn")}</button>
        </div>
      </form>
    </div>
  );
}
