-- Staff of the operator console: users with one role each, their sessions and login attempts.
-- What a role may do (the permission matrix) lives in code, src/staff/permissions.ts; this table
-- only names the roles, so a user's role is always one the code knows.
CREATE SCHEMA staff;

CREATE TABLE staff.roles (
  code text PRIMARY KEY,
  title text NOT NULL
);
INSERT INTO staff.roles (code, title) VALUES
  ('admin', 'Администратор'),
  ('underwriter', 'Андеррайтер'),
  ('collector', 'Специалист по взысканию'),
  ('accountant', 'Бухгалтер'),
  ('support', 'Поддержка');

CREATE TABLE staff.users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  login text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9_.-]{2,64}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  role text NOT NULL REFERENCES staff.roles (code),
  -- scrypt, src/platform/crypto.ts hashPassword
  password_hash text NOT NULL,
  locale text NOT NULL DEFAULT 'ru' CHECK (locale IN ('ru', 'en')),
  -- Blocked by an administrator (kopek staff lock): no login until unblocked.
  blocked_at timestamptz,
  -- Consecutive failed logins; reaching the limit sets locked_until (the lockout).
  failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  locked_until timestamptz,
  last_login_at timestamptz,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_role_idx ON staff.users (role);

-- A session is a random token in an HttpOnly cookie; only its hash is stored.
CREATE TABLE staff.sessions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES staff.users (id),
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  ip text,
  user_agent text
);
CREATE INDEX sessions_user_idx ON staff.sessions (user_id) WHERE revoked_at IS NULL;

-- Every login attempt, successful or not, including those for logins that do not exist.
CREATE TABLE staff.login_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  login text NOT NULL,
  user_id bigint REFERENCES staff.users (id),
  success boolean NOT NULL,
  -- invalid_credentials, locked, blocked, ok
  outcome text NOT NULL,
  ip text
);
CREATE INDEX login_attempts_login_idx ON staff.login_attempts (login, at);

-- The dashboard's widgets as last computed, per source and period: the console answers from here
-- and recomputes in the background when a row is older than a minute (src/staff/console/dashboard.ts).
CREATE TABLE staff.dashboard_cache (
  key text PRIMARY KEY,
  widgets jsonb NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now()
);
