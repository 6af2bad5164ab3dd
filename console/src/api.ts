import { createContext, useCallback, useContext, useEffect, useState } from "react";
import type { Claims } from "./session";

/** An error from the API (its extensions.code), or NETWORK when no GraphQL answer came back. */
export class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * One operation against POST /graphql with the signed-in token: the console's only way to the data.
 * Any error in the answer fails the whole call: each panel asks for one thing, and shows it whole or not.
 */
export async function graphql<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ApiError("NETWORK", (error as Error).message);
  }
  let body: GraphQLResponse<T>;
  try {
    body = (await response.json()) as GraphQLResponse<T>;
  } catch {
    throw new ApiError("NETWORK", `HTTP ${response.status}`);
  }
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.extensions?.code ?? "INTERNAL_SERVER_ERROR", first.message);
  if (!body.data) throw new ApiError("NETWORK", `HTTP ${response.status}`);
  return body.data;
}

export interface Session {
  token: string;
  claims: Claims;
  signOut(): void;
  /** Bumped after a change (an order acknowledged, issued): every panel asks again. */
  generation: number;
  refresh(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in page");
  return session;
}

export type QueryState<T> =
  | { status: "loading"; data?: undefined; error?: undefined }
  | { status: "error"; error: ApiError; data?: undefined }
  | { status: "done"; data: T; error?: undefined };

/**
 * Runs a query when mounted, when its variables change, and after every refresh. A refresh keeps the
 * figures on screen until the new ones arrive; other variables show the loading state at once.
 */
export function useQuery<T>(query: string, variables: Record<string, unknown> = {}): QueryState<T> & { retry(): void } {
  const { token, generation } = useSession();
  const key = `${query}\n${JSON.stringify(variables)}`;
  const [state, setState] = useState<{ key: string; state: QueryState<T> }>({ key, state: { status: "loading" } });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let current = true;
    const settle = (next: QueryState<T>) => current && setState({ key, state: next });
    setState((previous) => (previous.key === key && previous.state.status === "done" ? previous : { key, state: { status: "loading" } }));
    const [text, json] = [key.slice(0, key.lastIndexOf("\n")), key.slice(key.lastIndexOf("\n") + 1)];
    graphql<T>(token, text, JSON.parse(json) as Record<string, unknown>).then(
      (data) => settle({ status: "done", data }),
      (error: unknown) => settle({ status: "error", error: error instanceof ApiError ? error : new ApiError("NETWORK", String(error)) }),
    );
    return () => {
      current = false;
    };
  }, [token, key, generation, attempt]);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...(state.key === key ? state.state : { status: "loading" }), retry };
}

/** A mutation's progress, for a button that sends it. */
export function useMutation<T>(query: string) {
  const { token, refresh } = useSession();
  const [state, setState] = useState<{ busy: boolean; error: ApiError | null; result: T | null }>({ busy: false, error: null, result: null });
  const run = useCallback(
    async (variables: Record<string, unknown>): Promise<T | null> => {
      setState({ busy: true, error: null, result: null });
      try {
        const result = await graphql<T>(token, query, variables);
        setState({ busy: false, error: null, result });
        refresh();
        return result;
      } catch (error) {
        setState({ busy: false, error: error instanceof ApiError ? error : new ApiError("NETWORK", String(error)), result: null });
        return null;
      }
    },
    [token, query, refresh],
  );
  return { ...state, run };
}
