export const USAGE = `Usage: tapin <command> [options]

Commands:
  serve [--host H] [--port N] [--public-url URL] [--session-ttl S] [--demo]
        [--access-ttl S] [--retention S] [--audit-retention DAYS] [--cleanup-cron EXPR] [--rate-limit N]
        [--log-level L] [--idle-lock S] [--reader [--reader-kiosk ID]]
        [--trust-proxy LIST] [--tls-cert PATH --tls-key PATH] [--db-pool N]
                                       run the API (creates and migrates the database)
  user add --name NAME [--role user|admin]          create a user
  user pin ID [--clear]                             set a user's PIN, read from standard input (or remove it)
  badge add --user ID --uid HEX [--with-secret] [--label L]
                                       enroll a badge (a generated secret is shown once)
  badge revoke ID [--reason R]                      revoke a badge
  kiosk add --name NAME [--location L]              register a kiosk (its key is shown once)
  kiosk pair CODE --name NAME [--location L]        approve the pairing code a kiosk shows
  pair --server URL --key-file PATH [--name N]      pair this machine as a kiosk: show a code, wait for
                                                    its approval, write the kiosk key to PATH
  reader --server URL --key-file PATH               run this machine's desk reader for the kiosk paired
                                                    in PATH (tapin pair), against its server
  cleanup                                           expire overdue sessions and delete old ones, once
  audit verify                                      check the audit log's hash chain (exit 1 if it is broken)
  db copy --from SQLITE_PATH --to POSTGRES_URL      copy a whole site into an empty PostgreSQL database
  import FILE [--dry-run]                           create and update people and badges from a CSV file (by
                                                    external_id; prints a report, exit 1 if rows were refused)
  export [FILE]                                     write every person and active badge as CSV (stdout without FILE)

Every command takes --db PATH (env TAPIN_DB; default ./data/tapin.sqlite), or --db postgres://USER@HOST/DB.
Environment: HOST, PORT, PUBLIC_URL, SESSION_TTL_SECONDS, TAPIN_DB.`;
