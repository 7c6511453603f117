#!/usr/bin/env bash
# sqlmap (Debian's package) against the app served by gunicorn on a fresh SQLite database with
# the demo data, signed in through the real sign-in form (password, then a two-factor code for
# the admin). Tests the directory's and the secretariat's query parameters, the API's (with a
# bearer token) and the main forms (sign-in, profile edit, contact request; the Council's
# situation page, a briefing request, a recommendation's texts), and fails if
# sqlmap calls any parameter injectable. Usage: bash .ci/sqlmap.sh  (SQLMAP_LEVEL, SQLMAP_FORM_LEVEL, SQLMAP_RISK)
set -euo pipefail
exec </dev/null
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
LEVEL=${SQLMAP_LEVEL:-2}
RISK=${SQLMAP_RISK:-1}
FORM_LEVEL=${SQLMAP_FORM_LEVEL:-1}  # the forms (below)

if ! command -v sqlmap >/dev/null || ! command -v curl >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq sqlmap curl
fi

WORK=$(mktemp -d /tmp/ngowg-sqlmap.XXXXXX)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
# Testing mode: argon2's cheapest profile, or every sign-in attempt sqlmap makes costs 0.3 s of
# CPU; everything else (CSRF, sessions, two-factor, the SQL) is as in production.
export NGOWG_ENV=testing
export NGOWG_INSTANCE_PATH=$WORK/instance
export DATABASE_URL=sqlite:///$WORK/instance/ngowg.db
export GUNICORN_BIND=127.0.0.1:$PORT
export WEB_CONCURRENCY=2
export SHUTDOWN_DRAIN_SECONDS=0  # stopped by the script, no load balancer to drain for
# Two workers need their limits in Redis (with memory:// gunicorn runs one, and one idle
# connection sqlmap opens then holds the only worker until its 30 s timeout).
export RATELIMIT_STORAGE_URI=${SQLMAP_REDIS_URL:-redis://127.0.0.1:6379/13}
export XDG_RUNTIME_DIR=$WORK
# sqlmap sends thousands of requests: the harvesting guards would answer 429 and hide the
# answers it compares, so they are lifted for this server only.
export RATELIMIT_LOGIN="100000 per minute" RATELIMIT_SEARCH="100000 per hour"
export RATELIMIT_PROFILE_VIEWS="100000 per hour" RATELIMIT_API="100000 per hour"
export CONNECTION_REQUESTS_PER_DAY=100000
unset MAIL_SERVER DATABASE_URL_OVERRIDE 2>/dev/null || true
mkdir -p "$NGOWG_INSTANCE_PATH"

"$BIN/ngowg" db upgrade >/dev/null 2>&1
SEED=$("$BIN/ngowg" seed-demo)
PASSWORD=$(sed -n 's/^Demo accounts.*password: //p' <<<"$SEED")
ADMIN=$(awk '$1 == "admin" {print $2; exit}' <<<"$SEED")
MEMBER=$(awk '$1 == "policy_maker" {print $2; exit}' <<<"$SEED")
ADMIN_SECRET=$(awk -v a="$ADMIN:" '$1 == a {print $2; exit}' <<<"$SEED")
[ -n "$PASSWORD" ] && [ -n "$ADMIN" ] && [ -n "$MEMBER" ] && [ -n "$ADMIN_SECRET" ] || {
  echo "could not read the demo accounts from seed-demo:" >&2
  echo "$SEED" >&2
  exit 1
}

"$BIN/gunicorn" -c gunicorn.conf.py wsgi:app >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }

csrf_of() { # csrf_of JAR PATH: the CSRF token of the form on a page
  curl -fsS -b "$1" -c "$1" "$BASE$2" | sed -n 's/.*name="csrf_token"[^>]*value="\([^"]*\)".*/\1/p' | head -n 1
}
cookie_of() { # cookie_of JAR: the cookies as a Cookie header value
  awk '!/^#/ || /^#HttpOnly_/ {sub(/^#HttpOnly_/, ""); if (NF >= 7) printf "%s%s=%s", (n++ ? "; " : ""), $6, $7}' "$1"
}
sign_in() { # sign_in JAR EMAIL [TOTP_SECRET]: a real sign-in through the forms
  local jar=$1 email=$2 secret=${3:-} token code
  token=$(csrf_of "$jar" /auth/login)
  curl -fsS -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$token" \
    --data-urlencode "email=$email" --data-urlencode "password=$PASSWORD" "$BASE/auth/login"
  if [ -n "$secret" ]; then
    token=$(csrf_of "$jar" /auth/two-factor)
    code=$("$BIN/python" -c "import pyotp, sys; print(pyotp.TOTP(sys.argv[1]).now())" "$secret")
    curl -fsS -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$token" \
      --data-urlencode "code=$code" "$BASE/auth/two-factor"
  fi
  # Signed in: the directory answers 200 instead of a redirect to the sign-in page.
  [ "$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "$BASE/directory")" = 200 ] || {
    echo "sign-in as $email failed" >&2
    exit 1
  }
}

sign_in "$WORK/member.jar" "$MEMBER"
sign_in "$WORK/admin.jar" "$ADMIN" "$ADMIN_SECRET"
COOKIE_NAMES=$(awk '!/^#/ || /^#HttpOnly_/ {if (NF >= 7) print $6}' "$WORK/member.jar" | sort -u | paste -sd, -)
MEMBER_COOKIE=$(cookie_of "$WORK/member.jar")
ADMIN_COOKIE=$(cookie_of "$WORK/admin.jar")
API_TOKEN=$("$BIN/python" - "$MEMBER" 2>>"$WORK/setup.log" <<'EOF'
import sys

from ngowg_directory import create_app
from ngowg_directory.extensions import db
from ngowg_directory.services import accounts, tokens

with create_app().app_context():
    _token, secret = tokens.create(accounts.find_by_email(sys.argv[1]), "sqlmap", 30)
    db.session.commit()
    print(secret)
EOF
)
PERSON_ID=$("$BIN/python" - "$MEMBER" 2>>"$WORK/setup.log" <<'EOF'
import sys

import sqlalchemy as sa

from ngowg_directory import create_app, privacy
from ngowg_directory.extensions import db
from ngowg_directory.models import Profile, User

with create_app().app_context():
    ids = db.session.scalars(
        sa.select(User.id).join(Profile).where(privacy.listed_clause(), User.email != sys.argv[1])
    ).all()
    print(ids[-1])
EOF
)
REC_ID=$("$BIN/python" - 2>>"$WORK/setup.log" <<'EOF'
import sqlalchemy as sa

from ngowg_directory import create_app
from ngowg_directory.extensions import db
from ngowg_directory.models import Recommendation

with create_app().app_context():
    print(db.session.scalar(sa.select(sa.func.min(Recommendation.id))))
EOF
)
SOON=$("$BIN/python" -c 'import datetime as d; print(d.date.today() + d.timedelta(days=20))')
OPENED=$(curl -fsS -b "$WORK/member.jar" "$BASE/account/profile" |
  sed -n 's/.*name="opened" type="hidden" value="\([^"]*\)".*/\1/p' | head -n 1)

FAILED=0
TESTED=0
run() { # run NAME SQLMAP-ARGS...: one target; fails the script when anything is injectable
  local name=$1 out
  shift
  out=$WORK/out-$TESTED
  TESTED=$((TESTED + 1))
  local started=$SECONDS
  # Boolean, error and UNION techniques; time-based and stacked ones (BEUS-T) only add
  # sleeps. The session cookie is signed and never reaches SQL: not worth its requests.
  sqlmap --batch --level="$LEVEL" --risk="$RISK" --technique=BEU --skip="$COOKIE_NAMES" \
    --disable-coloring --output-dir="$out" --flush-session \
    --skip-static --ignore-code=400,403,404,409,429 "$@" >"$WORK/$name.log" 2>&1 || true
  local params
  params=$(grep -v skipping "$WORK/$name.log" |
    grep -oE "(GET|POST|URI|Cookie|\(custom\) POST|\(custom\) HEADER) parameter '[^']+'" | sed -E "s/ parameter '([^']+)'/ \1/" | sort -u | paste -sd, - || true)
  # "appears to be … injectable" alone is a candidate that sqlmap goes on to confirm or reject.
  if grep -qE "identified the following injection point|parameter .* is vulnerable" \
    "$WORK/$name.log"; then
    echo "!! $name: sqlmap found an injectable parameter:" >&2
    grep -E "Parameter:|Type:|Title:|Payload:|injectable" "$WORK/$name.log" >&2 || true
    FAILED=1
  elif ! grep -q "do not appear to be injectable\|does not seem to be injectable" "$WORK/$name.log"; then
    echo "!! $name: sqlmap did not finish its tests:" >&2
    tail -n 30 "$WORK/$name.log" >&2
    FAILED=1
  else
    echo "ok  $name ($((SECONDS - started))s): not injectable: ${params:-none}"
  fi
}

echo "sqlmap $(sqlmap --version 2>/dev/null | grep -oE '^[0-9][^ ]*' | head -n 1) at level $LEVEL (forms $FORM_LEVEL), risk $RISK, on $BASE"
run directory -u "$BASE/directory?q=sudan&country=SD&situation=SD&theme=crsv&language=ar&org=wilpf&role=defender&page=1&per_page=20&sort=name" \
  --cookie="$MEMBER_COOKIE" --threads=2
run organizations -u "$BASE/directory/organizations?q=peace&kind=member&country=US&theme=crsv&page=1&sort=name" \
  --cookie="$MEMBER_COOKIE" --threads=2
run admin-people -u "$BASE/admin/people?q=demo&role=defender&status=active" --cookie="$ADMIN_COOKIE" \
  --threads=2
run admin-audit -u "$BASE/admin/audit?person=1&action=login_success&since=2026-01-01&until=2030-01-01" \
  --cookie="$ADMIN_COOKIE" --threads=2
# The API reads its parameters with the directory's own parser (tested in full above).
run api-people -u "$BASE/api/v1/people?q=sudan&country=SD&theme=crsv&language=ar&org=wilpf&role=defender&page=1&per_page=20&sort=name" \
  --headers="Authorization: Bearer $API_TOKEN" -p q,country,org,page,per_page,sort --threads=2
# The forms: sqlmap fetches a fresh CSRF token before each request, one thread. What they
# take is stored through the ORM's bound parameters (the query strings above are where SQL
# is built from input: full-text expressions, filters, sort keys), so they are tested at
# sqlmap's default level 1, and the profile through one field of each kind (free text, long
# text, a code from a list): the other free-text fields take the same path to the same UPDATE.
run sign-in -u "$BASE/auth/login" --data="email=nobody%40example.org&password=not-the-password-1&csrf_token=x" \
  --csrf-token=csrf_token --csrf-url="$BASE/auth/login" -p email,password --level="$FORM_LEVEL"
run profile-edit -u "$BASE/account/profile" --cookie="$MEMBER_COOKIE" \
  --data="name=Demo+member&title=Adviser&affiliation=Mission&country=SD&bio=Works+on+1325&email=&phone=&messaging=signal-demo&city=Khartoum&opened=$OPENED&csrf_token=x" \
  --csrf-token=csrf_token --csrf-url="$BASE/account/profile" -p name,bio,country --level="$FORM_LEVEL"
run contact-request -u "$BASE/connections/request/$PERSON_ID" --cookie="$MEMBER_COOKIE" \
  --data="message=We+would+like+to+invite+you+to+brief+the+Council+in+March.&csrf_token=x" \
  --csrf-token=csrf_token --csrf-url="$BASE/people/$PERSON_ID" -p message --level="$FORM_LEVEL"
# The Council's month (issue 19): a situation's page and its pager, a briefing request by
# the demo's Council delegate (pm.france), and a recommendation's texts by the secretariat.
run council-situation -u "$BASE/council/situations/SD?page=1" --cookie="$MEMBER_COOKIE" -p page
run briefing-request -u "$BASE/briefings/new" --cookie="$MEMBER_COOKIE" \
  --data="meeting=&meeting_date=$SOON&item=SD&theme=&topic=Women%27s+participation+in+the+talks.&language=ar&mode=either&deadline=$SOON&csrf_token=x" \
  --csrf-token=csrf_token --csrf-url="$BASE/briefings/new" -p item,topic,language,theme --level="$FORM_LEVEL"
run recommendation-texts -u "$BASE/admin/council/recommendations/$REC_ID" --cookie="$ADMIN_COOKIE" \
  --data="en-title=Sudan&en-body=Protect+defenders.&fr-title=&fr-body=&action=preview&csrf_token=x" \
  --csrf-token=csrf_token --csrf-url="$BASE/admin/council/recommendations/$REC_ID" -p en-title,en-body,action \
  --level="$FORM_LEVEL"

# The server must have answered the scan, not crashed under it.
if grep -q "Traceback\|Internal Server Error\| 500 " "$WORK/server.log"; then
  echo "!! the server logged errors during the scan:" >&2
  grep -B2 -A12 "Traceback\| 500 " "$WORK/server.log" | head -n 60 >&2
  FAILED=1
fi
echo "sqlmap: $TESTED targets in ${SECONDS}s; $(grep -c '"GET\|"POST' "$WORK/server.log") requests served"
exit "$FAILED"
