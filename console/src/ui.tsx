import { ReactNode, useId } from "react";
import { ApiError, QueryState, useSession } from "./api";
import { I18n, useI18n } from "./i18n";

/** An API error in words, by its extensions.code. */
export function errorText(i18n: I18n, error: ApiError): string {
  switch (error.code) {
    case "FORBIDDEN":
      return i18n.t("errorForbidden");
    case "UNAUTHENTICATED":
      return i18n.t("errorUnauthenticated");
    case "BAD_USER_INPUT":
      return i18n.t("errorBadInput", { message: error.message });
    case "NOT_FOUND":
      return i18n.t("errorNotFound", { message: error.message });
    case "CONFLICT":
      return i18n.t("errorConflict", { message: error.message });
    case "NETWORK":
      return i18n.t("errorNetwork", { message: error.message });
    default:
      return i18n.t("errorOther", { code: error.code, message: error.message });
  }
}

export function ErrorNote({ error, retry }: { error: ApiError; retry?: () => void }) {
  const i18n = useI18n();
  const { signOut } = useSession();
  return (
    <div className={`note note-error note-${error.code.toLowerCase()}`} role="alert" data-error-code={error.code}>
      <span aria-hidden="true" className="note-icon">
        {error.code === "FORBIDDEN" ? "⊘" : "⚠"}
      </span>
      <span>{errorText(i18n, error)}</span>
      {error.code === "UNAUTHENTICATED" ? (
        <button type="button" onClick={signOut}>
          {i18n.t("signInAgain")}
        </button>
      ) : error.code === "NETWORK" || error.code === "INTERNAL_SERVER_ERROR" ? (
        retry && (
          <button type="button" onClick={retry}>
            {i18n.t("retry")}
          </button>
        )
      ) : null}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status" data-state="loading">
      <span className="spinner" aria-hidden="true" />
      {t("loading")}
    </p>
  );
}

export function Empty({ children }: { children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <p className="empty" data-state="empty">
      {children ?? t("empty")}
    </p>
  );
}

/** The loading and error states of a query; `render` only once there is data. */
export function Loaded<T>({ query, render }: { query: QueryState<T> & { retry(): void }; render: (data: T) => ReactNode }) {
  if (query.status === "loading") return <Loading />;
  if (query.status === "error") return <ErrorNote error={query.error} retry={query.retry} />;
  return <>{render(query.data)}</>;
}

/** A titled part of a page (a landmark with its heading as its name). */
export function Section({ title, id, children, actions }: { title: string; id: string; children: ReactNode; actions?: ReactNode }) {
  const headingId = useId();
  return (
    <section className="panel" aria-labelledby={headingId} data-section={id}>
      <div className="panel-head">
        <h2 id={headingId}>{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

/** One headline figure. `value` is what the API answered, kept on the element for checking. */
export function Figure({ label, value, text, detail, tone, id }: {
  label: string;
  value: number | string | null;
  text: string;
  detail?: ReactNode;
  tone?: "bad" | "good" | "neutral";
  id: string;
}) {
  return (
    <div className={`figure figure-${tone ?? "neutral"}`} data-figure={id} data-value={value ?? ""}>
      <div className="figure-label">{label}</div>
      <div className="figure-value">{text}</div>
      {detail && <div className="figure-detail">{detail}</div>}
    </div>
  );
}

/** A set of mutually exclusive choices as toggle buttons (aria-pressed), for the keyboard as for the mouse. */
export function Choice<T extends string | number>({ label, options, value, onChange }: {
  label: string;
  options: { value: T; text: string }[];
  value: T;
  onChange(value: T): void;
}) {
  return (
    <div className="choice" role="group" aria-label={label}>
      <span className="choice-label" aria-hidden="true">
        {label}
      </span>
      {options.map((option) => (
        <button key={option.value} type="button" aria-pressed={option.value === value} onClick={() => onChange(option.value)}>
          {option.text}
        </button>
      ))}
    </div>
  );
}
