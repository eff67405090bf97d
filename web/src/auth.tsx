import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, api, type Me, setCsrfToken, setUnauthorizedHandler } from './api.ts';

interface Auth {
  me: Me | null;
  loading: boolean;
  can(permission: string): boolean;
  signIn(login: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<Auth | undefined>(undefined);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const accept = useCallback((next: Me | null) => {
    setCsrfToken(next?.csrfToken ?? '');
    setMe(next);
  }, []);
  useEffect(() => {
    setUnauthorizedHandler(() => accept(null));
    api
      .me()
      .then(accept)
      .catch((error: unknown) => {
        if (!(error instanceof ApiError)) console.error(error);
        accept(null);
      })
      .finally(() => setLoading(false));
  }, [accept]);
  const value = useMemo<Auth>(
    () => ({
      me,
      loading,
      can: (permission) => me?.permissions.includes(permission) ?? false,
      signIn: async (login, password) => accept(await api.login({ login, password })),
      signOut: async () => {
        await api.logout().catch(() => undefined);
        accept(null);
      },
    }),
    [me, loading, accept],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
