/** Moved to bench/lib/bare-server.ts; kept so that `bench/processing/bare-server.ts <port>` still runs. */
import '../lib/bare-server.ts';
