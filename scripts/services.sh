#!/usr/bin/env bash
# Starts, stops and reports the real services that Tributary's tests and examples talk to:
#   - Apache Kafka 4.4.0 (TRIBUTARY_KAFKA_VERSION=3.9.1 selects 3.9.1), single node, KRaft mode, on 127.0.0.1:9092
#     (jars from Maven Central, cached per version in .cache/kafka/<version>/libs)
#   - Redis (Debian's redis-server) on 127.0.0.1:6379, no persistence
#
# Usage: scripts/services.sh up | down [kafka|redis|all] | status | owned | fetch | libs
#
# If KAFKA_BROKERS / REDIS_URL point elsewhere, or a broker / Redis already answers on the default port, that service is
# used as it is and nothing is started. `up` is idempotent; `down` stops only what `up` started (pids recorded under
# .cache/services/). Every failure prints one line naming the cause and the fix, and exits non-zero.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${TRIBUTARY_CACHE:-$ROOT/.cache}"
STATE="$CACHE/services"
# Which Apache Kafka: 4.4.0 by default, or TRIBUTARY_KAFKA_VERSION (3.9.1 is the other version the project tests).
# Jars, configuration, data and logs are kept per version in $CACHE/kafka/<version>/ (a 4.x broker never opens a 3.x
# data dir). TRIBUTARY_KAFKA_LIBS names a jars dir elsewhere (private test brokers use the checkout's shared one).
KAFKA_DEFAULT_VERSION=4.4.0
KAFKA_VERSION="${TRIBUTARY_KAFKA_VERSION:-$KAFKA_DEFAULT_VERSION}"
KAFKA_MAJOR="${KAFKA_VERSION%%.*}"
KAFKA_HOME="$CACHE/kafka/$KAFKA_VERSION"
KAFKA_LIBS="${TRIBUTARY_KAFKA_LIBS:-$KAFKA_HOME/libs}"
# The command line of a broker this script started, of any version (or of the layout before the per-version dirs).
KAFKA_OURS="kafka.Kafka $CACHE/kafka/"
KAFKA_HOST=127.0.0.1
# Ports can be moved (for the services' own tests, or a machine where they are taken).
KAFKA_PORT="${TRIBUTARY_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${TRIBUTARY_CONTROLLER_PORT:-9093}"
REDIS_HOST=127.0.0.1
REDIS_PORT="${TRIBUTARY_REDIS_PORT:-6379}"
KAFKA_START_TIMEOUT_S="${KAFKA_START_TIMEOUT_S:-90}"

mkdir -p "$STATE"
# shellcheck source=lib/need.sh
source "$ROOT/scripts/lib/need.sh"
NEED_LOG="$STATE/apt.log"

die() { echo "services: $*" >&2; exit 1; }
info() { echo "services: $*"; }
[[ "$KAFKA_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
  || die "TRIBUTARY_KAFKA_VERSION=$KAFKA_VERSION is not a Kafka version such as $KAFKA_DEFAULT_VERSION or 3.9.1"

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# pid_alive FILE: true when FILE holds the pid of a live process (a zombie, e.g. a broker killed with -9 that nobody
# has reaped yet, is not alive: it answers kill -0 but listens on nothing).
pid_alive() {
  [[ -s "$1" ]] || return 1
  local pid state
  pid=$(cat "$1")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo "?")
  [[ "$state" != "Z" && "$state" != "X" ]]
}

# pid_ours FILE PATTERN: true when FILE holds the pid of a live process whose command line contains PATTERN (ours,
# not a process that reused the pid after ours died).
pid_ours() {
  pid_alive "$1" || return 1
  tr '\0' ' ' <"/proc/$(cat "$1")/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# clear_stale NAME FILE PATTERN PORT: the pid file names no service that answers; a leftover process of ours (alive
# but not answering, e.g. hung) is killed and PORT waited for to close, a pid that another process reused is left
# alone, and the file is removed.
clear_stale() {
  local name=$1 file=$2 pattern=$3 port=${4:-}
  [[ -f "$file" ]] || return 0
  local pid
  pid=$(cat "$file")
  if pid_ours "$file" "$pattern"; then
    info "$name: pid $pid is ours but does not answer; killing it and starting afresh"
    kill -9 "$pid" 2>/dev/null || true
    local until=$((SECONDS + 10))
    while pid_alive "$file" && ((SECONDS < until)); do sleep 0.2; done
  else
    info "$name: stale pid file (pid $pid is no running $name of ours); starting afresh"
  fi
  rm -f "$file"
  # The threads of a killed process can hold its ports a moment after its main thread is gone.
  local deadline=$((SECONDS + 10))
  while [[ -n "$port" ]] && port_open 127.0.0.1 "$port" && ((SECONDS < deadline)); do sleep 0.2; done
}

# answers_kafka HOST PORT: true when the port speaks the Kafka protocol (ApiVersions request, correlation id echoed).
answers_kafka() {
  local host=$1 port=$2
  # size=19 | api_key=18 ApiVersions | version 0 | correlation 0x7472_6962 | client id "tributary" (9 bytes)
  local reply
  reply=$( (exec 3<>"/dev/tcp/$host/$port" || exit 1
    printf '\x00\x00\x00\x13\x00\x12\x00\x00\x74\x72\x69\x62\x00\x09tributary' >&3
    timeout 3 head -c 8 <&3 | od -An -tx1 | tr -d ' \n') 2>/dev/null) || return 1
  [[ "${reply:8:8}" == "74726962" ]]
}

answers_redis() {
  local host=$1 port=$2 reply
  reply=$( (exec 3<>"/dev/tcp/$host/$port" || exit 1
    printf 'PING\r\n' >&3
    timeout 3 head -c 5 <&3) 2>/dev/null) || return 1
  [[ "$reply" == "+PONG" || "$reply" == -NOAU* ]]
}

# ---------------------------------------------------------------- Kafka
# kafka_fetched: true when $KAFKA_LIBS holds the jars of $KAFKA_VERSION.
kafka_fetched() { [[ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" && -f "$KAFKA_LIBS/kafka-tools-$KAFKA_VERSION.jar" ]]; }

# kafka_fetch: copies the jars of $KAFKA_VERSION (scripts/kafka/pom.xml; profile kafka4 adds log4j 2 for 4.x) from
# Maven Central into $KAFKA_LIBS, once. They are copied into a new dir that replaces $KAFKA_LIBS whole, under a lock,
# so an interrupted or concurrent fetch never leaves a half-filled dir that looks complete.
kafka_fetch() {
  kafka_fetched && return 0
  need java openjdk-17-jre-headless "or set KAFKA_BROKERS to an existing broker" || exit 1
  need mvn maven "or set KAFKA_BROKERS to an existing broker" || exit 1
  mkdir -p "$(dirname "$KAFKA_LIBS")"
  local lock
  exec {lock}>"$KAFKA_LIBS.lock"
  flock "$lock"
  if kafka_fetched; then exec {lock}>&-; return 0; fi
  info "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS (once)"
  local profile=() tmp
  ((KAFKA_MAJOR >= 4)) && profile=(-Pkafka4)
  tmp=$(mktemp -d "$KAFKA_LIBS.new.XXXXXX")
  if ! (cd "$ROOT/scripts/kafka" && mvn -B -q dependency:copy-dependencies -DincludeScope=runtime \
        -Dkafka.version="$KAFKA_VERSION" "${profile[@]}" -DoutputDirectory="$tmp" >"$STATE/mvn.log" 2>&1); then
    rm -rf "$tmp"
    tail -5 "$STATE/mvn.log" >&2
    die "could not fetch the Kafka $KAFKA_VERSION jars with Maven (log: $STATE/mvn.log): check access to Maven Central and that $KAFKA_VERSION is a released Kafka version"
  fi
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  exec {lock}>&-
}

kafka_write_config() {
  mkdir -p "$KAFKA_HOME/data" "$KAFKA_HOME/logs"
  cat >"$KAFKA_HOME/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$CONTROLLER_PORT$(kafka_sasl_listener)
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT$(kafka_sasl_listener)
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=$KAFKA_HOME/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
log.segment.bytes=67108864
EOF
  kafka_sasl_ssl_config >>"$KAFKA_HOME/server.properties"
}

# kafka_write_log_config: the broker's (and Kafka tools') logging, into $KAFKA_HOME/logs/server.log at WARN, with the
# start-up lines kafka_up waits for at INFO: log4j 2 properties for Kafka 4.x, log4j 1 properties (reload4j) for 3.x.
kafka_write_log_config() {
  mkdir -p "$KAFKA_HOME/logs"
  if ((KAFKA_MAJOR >= 4)); then
    cat >"$KAFKA_HOME/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $KAFKA_HOME/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = file
logger.broker.name = kafka.server.KafkaBroker
logger.broker.level = INFO
logger.kafka.name = kafka.Kafka
logger.kafka.level = INFO
logger.raft.name = kafka.server.KafkaRaftServer
logger.raft.level = INFO
EOF
  else
    cat >"$KAFKA_HOME/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$KAFKA_HOME/logs/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaBroker=INFO
log4j.logger.kafka.Kafka=INFO
log4j.logger.kafka.server.KafkaRaftServer=INFO
EOF
  fi
}

# kafka_log_option: the JVM option that points Kafka at that logging configuration.
kafka_log_option() {
  if ((KAFKA_MAJOR >= 4)); then
    echo "-Dlog4j2.configurationFile=$KAFKA_HOME/log4j2.properties"
  else
    echo "-Dlog4j.configuration=file:$KAFKA_HOME/log4j.properties"
  fi
}

kafka_java() {
  java -Xmx1g -Xms256m -XX:+UseG1GC -Djava.awt.headless=true "$(kafka_log_option)" -cp "$KAFKA_LIBS/*" "$@"
}

# kafka_pid_arg FILE OPTION: the argument after OPTION on the command line of the process whose pid FILE holds.
kafka_pid_arg() {
  tr '\0' '\n' <"/proc/$(cat "$1")/cmdline" 2>/dev/null | grep -A1 -xF -- "$2" | sed -n 2p
}

# kafka_pid_version FILE: the version of the broker whose pid FILE holds, from the kafka_2.13-<version>.jar on its
# class path ("unknown" when there is none).
kafka_pid_version() {
  local cp jar
  cp=$(kafka_pid_arg "$1" -cp)
  jar=$(compgen -G "${cp%\*}kafka_2.13-*.jar" | head -1 || true)
  jar=${jar##*/kafka_2.13-}
  echo "${jar%.jar}" | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' || echo unknown
}

# kafka_api_major HOST PORT: 4 when the broker there is Kafka 4.x or later, 3 when it is 3.x or older, judged by the
# oldest Fetch version it offers in its ApiVersions answer (Kafka 4.0 removed Fetch v0-v3, KIP-896; it still lists
# Produce from v0, for librdkafka, though it refuses v0-v2); empty when it does not answer.
kafka_api_major() {
  local reply
  # The request of answers_kafka; the answer: size, correlation id, error code, count, then (api key, min, max) pairs
  # from api key 0 (Produce) on; the second is Fetch (api key 1).
  reply=$( (exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf '\x00\x00\x00\x13\x00\x12\x00\x00\x74\x72\x69\x62\x00\x09tributary' >&3
    timeout 3 head -c 26 <&3 | od -An -tx1 | tr -d ' \n') 2>/dev/null) || return 0
  [[ "${reply:8:8}" == "74726962" && "${reply:40:4}" == "0001" ]] || return 0
  if ((16#${reply:44:4} >= 4)); then echo 4; else echo 3; fi
}

# kafka_other_version RUNNING WHO HINT: a broker of another version than $KAFKA_VERSION answers on the port. It is used
# when the version is the default, and is an error when TRIBUTARY_KAFKA_VERSION asks for one.
kafka_other_version() {
  if [[ -n "${TRIBUTARY_KAFKA_VERSION:-}" ]]; then
    die "kafka: Kafka $1 already runs on $KAFKA_HOST:$KAFKA_PORT ($2), not the $KAFKA_VERSION that TRIBUTARY_KAFKA_VERSION asks for: $3, or move the ports (TRIBUTARY_KAFKA_PORT, TRIBUTARY_CONTROLLER_PORT)"
  fi
  info "kafka: Kafka $1 already runs on $KAFKA_HOST:$KAFKA_PORT ($2), not the default $KAFKA_VERSION; using it ($3 to switch)"
}

kafka_up() {
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    info "kafka: using KAFKA_BROKERS=$KAFKA_BROKERS (nothing started)"
    return 0
  fi
  # Ours and answering: nothing to do. Ours but silent: give a broker that is still starting its start-up time.
  if pid_ours "$STATE/kafka.pid" "$KAFKA_OURS"; then
    local deadline=$((SECONDS + KAFKA_START_TIMEOUT_S)) running home
    running=$(kafka_pid_version "$STATE/kafka.pid")
    home=$(dirname "$(kafka_pid_arg "$STATE/kafka.pid" kafka.Kafka)")
    while pid_ours "$STATE/kafka.pid" "$KAFKA_OURS" && ((SECONDS < deadline)); do
      if answers_kafka $KAFKA_HOST $KAFKA_PORT; then
        if [[ "$running" == "$KAFKA_VERSION" ]]; then
          info "kafka: already running (pid $(cat "$STATE/kafka.pid")) on $KAFKA_HOST:$KAFKA_PORT (Kafka $running)"
        else
          kafka_other_version "$running" "pid $(cat "$STATE/kafka.pid"), started by this script" "scripts/services.sh down kafka, then up"
        fi
        return 0
      fi
      grep -q "Kafka Server started" "$home/logs/server.log" 2>/dev/null && break
      sleep 0.5
    done
  fi
  clear_stale kafka "$STATE/kafka.pid" "$KAFKA_OURS" "$KAFKA_PORT"
  if port_open $KAFKA_HOST $KAFKA_PORT; then
    if answers_kafka $KAFKA_HOST $KAFKA_PORT; then
      local major
      major=$(kafka_api_major $KAFKA_HOST $KAFKA_PORT)
      if [[ -n "$major" && "$major" != "$KAFKA_MAJOR" ]]; then
        kafka_other_version "$major.x" "not started by this script" "stop it"
      else
        info "kafka: a broker already answers on $KAFKA_HOST:$KAFKA_PORT; using it (nothing started)"
      fi
      return 0
    fi
    die "port $KAFKA_PORT is in use by something that is not Kafka: stop it (see 'ss -ltnp sport = :$KAFKA_PORT') or set KAFKA_BROKERS to an existing broker"
  fi
  if port_open $KAFKA_HOST $CONTROLLER_PORT; then
    die "port $CONTROLLER_PORT (KRaft controller) is in use: stop what listens there (see 'ss -ltnp sport = :$CONTROLLER_PORT') or set KAFKA_BROKERS to an existing broker"
  fi
  need java openjdk-17-jre-headless "or set KAFKA_BROKERS to an existing broker" || exit 1
  kafka_sasl_port_free
  kafka_fetch
  tls_certs
  kafka_write_config
  kafka_write_log_config
  if [[ ! -f "$KAFKA_HOME/data/meta.properties" ]]; then
    local cluster_id
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>"$STATE/storage.log") \
      || die "kafka: StorageTool random-uuid failed (log: $STATE/storage.log)"
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_HOME/server.properties" --ignore-formatted \
      >>"$STATE/storage.log" 2>&1 || die "kafka: formatting the KRaft storage failed (log: $STATE/storage.log)"
  fi
  : >"$KAFKA_HOME/logs/server.log"
  nohup java -Xmx1g -Xms256m -XX:+UseG1GC -Djava.awt.headless=true "$(kafka_log_option)" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_HOME/server.properties" >"$KAFKA_HOME/logs/stdout.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$STATE/kafka.pid"
  info "kafka: starting $KAFKA_VERSION (pid $pid), waiting up to ${KAFKA_START_TIMEOUT_S}s"
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT_S))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$STATE/kafka.pid"
      tail -5 "$KAFKA_HOME/logs/stdout.log" "$KAFKA_HOME/logs/server.log" >&2 || true
      die "kafka exited during start-up (logs: $KAFKA_HOME/logs/): see the lines above"
    fi
    if grep -q "Kafka Server started" "$KAFKA_HOME/logs/server.log" 2>/dev/null && port_open $KAFKA_HOST $KAFKA_PORT; then
      kafka_sasl_users
      info "kafka: ready on $KAFKA_HOST:$KAFKA_PORT$(kafka_sasl_on && echo " (SASL_SSL on $KAFKA_HOST:$KAFKA_SASL_PORT, CA $TLS_DIR/ca.pem)")"
      return 0
    fi
    sleep 0.5
  done
  kill "$pid" 2>/dev/null || true
  rm -f "$STATE/kafka.pid"
  die "kafka did not start within ${KAFKA_START_TIMEOUT_S}s (logs: $KAFKA_HOME/logs/): check them, or set KAFKA_BROKERS to an existing broker"
}

# ---------------------------------------------------------------- Kafka SASL_SSL listener
# A second client listener, SASL_SSL on $KAFKA_HOST:$KAFKA_SASL_PORT, for the security tests and for trying TLS/SASL
# settings locally: TLS with a certificate of a CA generated here ($TLS_DIR/ca.pem; client certificates signed by it
# are checked when given, never required), and SASL PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER (Kafka's
# unsecured validator: any unsigned JWT with a `sub` and an `exp` claim). The broker talks to itself over PLAINTEXT.
# Port: TRIBUTARY_KAFKA_SASL_PORT; default 9094 for the broker on the default port, and none (no listener) for a broker
# on a moved TRIBUTARY_KAFKA_PORT (private brokers of tests), so that two brokers never want the same port; `off` or 0
# turns the listener off.
if [[ -n "${TRIBUTARY_KAFKA_SASL_PORT:-}" ]]; then
  KAFKA_SASL_PORT=$TRIBUTARY_KAFKA_SASL_PORT
elif [[ "$KAFKA_PORT" == 9092 ]]; then
  KAFKA_SASL_PORT=9094
else
  KAFKA_SASL_PORT=off
fi
[[ "$KAFKA_SASL_PORT" == 0 ]] && KAFKA_SASL_PORT=off
TLS_DIR="$STATE/tls"
# The one user of PLAIN and SCRAM (test credentials, not secrets).
KAFKA_SASL_USER=tributary
KAFKA_SASL_PASSWORD=tributary-secret
# Password of the broker's PKCS#12 keystore and of the client key (test-only, like the user's password).
TLS_STORE_PASSWORD=tributary-tls

# kafka_sasl_on: true when the broker gets the SASL_SSL listener.
kafka_sasl_on() { [[ "$KAFKA_SASL_PORT" != off ]]; }

# kafka_sasl_listener: `,SASL_SSL://host:port` for the listener lines of server.properties, or nothing.
kafka_sasl_listener() { kafka_sasl_on && echo ",SASL_SSL://$KAFKA_HOST:$KAFKA_SASL_PORT" || true; }

# tls_certs: generates, once, into $TLS_DIR: ca.pem/ca.key (the CA), broker.p12 (key and certificate for localhost and
# 127.0.0.1, signed by the CA), client.pem/client.key (a client certificate signed by the CA, key encrypted with
# $TLS_STORE_PASSWORD) and other-ca.pem (an unrelated CA, for the unknown-CA test).
tls_certs() {
  kafka_sasl_on || return 0
  local f missing=0
  for f in ca.pem broker.p12 client.pem client.key other-ca.pem; do [[ -s "$TLS_DIR/$f" ]] || missing=1; done
  ((missing)) || return 0
  need openssl openssl "or set KAFKA_BROKERS to an existing broker" || exit 1
  mkdir -p "$TLS_DIR"
  local tmp
  tmp=$(mktemp -d "$TLS_DIR/.new.XXXXXX")
  if ! (set -e; cd "$tmp"
    ca() { openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=$1" -keyout "$2.key" -out "$2.pem" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign; }
    signed() { # NAME CN EXTENSIONS: a key and a certificate signed by ca.pem
      openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$2" -keyout "$1.key" -out "$1.csr"
      printf '%s\n' "$3" >"$1.ext"
      openssl x509 -req -sha256 -days 3650 -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -extfile "$1.ext" -out "$1.pem"
    }
    ca "Tributary test CA" ca
    ca "Some other CA" other-ca
    signed broker localhost "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
    openssl pkcs12 -export -name broker -in broker.pem -inkey broker.key -certfile ca.pem -passout "pass:$TLS_STORE_PASSWORD" -out broker.p12
    signed client tributary "extendedKeyUsage=clientAuth"
    openssl pkcs8 -topk8 -v2 aes-256-cbc -in client.key -passout "pass:$TLS_STORE_PASSWORD" -out client-encrypted.key
    mv client-encrypted.key client.key
    rm -f broker.key other-ca.key ./*.csr ./*.ext ./*.srl
    mv ca.pem ca.key broker.pem broker.p12 client.pem client.key other-ca.pem "$TLS_DIR/"
  ) >"$STATE/tls.log" 2>&1; then
    rm -rf "$tmp"
    tail -3 "$STATE/tls.log" >&2
    die "kafka: generating the TLS certificates with openssl failed (log: $STATE/tls.log)"
  fi
  rm -rf "$tmp"
  info "kafka: TLS certificates for the SASL_SSL listener generated in $TLS_DIR"
}

# kafka_sasl_port_free: dies when something already listens on the SASL_SSL port.
kafka_sasl_port_free() {
  if kafka_sasl_on && port_open $KAFKA_HOST "$KAFKA_SASL_PORT"; then
    die "port $KAFKA_SASL_PORT (SASL_SSL listener) is in use: stop what listens there (see 'ss -ltnp sport = :$KAFKA_SASL_PORT'), set TRIBUTARY_KAFKA_SASL_PORT to a free port, or set KAFKA_BROKERS to an existing broker"
  fi
}

# kafka_sasl_status: one line on the SASL_SSL listener, for `status`.
kafka_sasl_status() {
  if ! kafka_sasl_on; then
    echo "kafka SASL_SSL: off (TRIBUTARY_KAFKA_SASL_PORT names no port)"
  elif port_open $KAFKA_HOST "$KAFKA_SASL_PORT"; then
    echo "kafka SASL_SSL: listening on $KAFKA_HOST:$KAFKA_SASL_PORT (CA $TLS_DIR/ca.pem, user $KAFKA_SASL_USER)"
  else
    echo "kafka SASL_SSL: not listening on $KAFKA_HOST:$KAFKA_SASL_PORT (a broker started before the listener existed: restart it)"
  fi
}

# kafka_sasl_ssl_config: the broker properties of the SASL_SSL listener (appended to server.properties).
kafka_sasl_ssl_config() {
  kafka_sasl_on || return 0
  local jaas=listener.name.sasl_ssl
  cat <<EOF
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER
$jaas.ssl.keystore.type=PKCS12
$jaas.ssl.keystore.location=$TLS_DIR/broker.p12
$jaas.ssl.keystore.password=$TLS_STORE_PASSWORD
$jaas.ssl.key.password=$TLS_STORE_PASSWORD
$jaas.ssl.truststore.type=PEM
$jaas.ssl.truststore.location=$TLS_DIR/ca.pem
$jaas.ssl.client.auth=requested
$jaas.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USER="$KAFKA_SASL_PASSWORD";
$jaas.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
$jaas.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
$jaas.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
EOF
}

# kafka_sasl_users: creates (or resets) the SCRAM-SHA-256 and -512 credentials of $KAFKA_SASL_USER with Kafka's own
# kafka-configs tool, over the PLAINTEXT listener of the running broker (the tool's class is looked for in
# org.apache.kafka.tools, where newer Kafka versions keep it, then in kafka.admin, where 3.x has it).
kafka_sasl_users() {
  kafka_sasl_on || return 0
  local class mechanism ok
  for class in org.apache.kafka.tools.ConfigCommand kafka.admin.ConfigCommand; do
    ok=1
    # One mechanism per request: a request may alter a user's credentials only once.
    for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
      if ! kafka_java "$class" --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" --alter --entity-type users \
          --entity-name "$KAFKA_SASL_USER" --add-config "$mechanism=[password=$KAFKA_SASL_PASSWORD]" \
          >"$STATE/scram.log" 2>&1; then
        ok=0
        break
      fi
    done
    ((ok)) && return 0
    grep -q "Could not find or load main class" "$STATE/scram.log" || break
  done
  tail -3 "$STATE/scram.log" >&2
  die "kafka: creating the SCRAM users with kafka-configs failed (log: $STATE/scram.log)"
}

# ---------------------------------------------------------------- Redis
redis_up() {
  if [[ -n "${REDIS_URL:-}" ]]; then
    info "redis: using REDIS_URL=$REDIS_URL (nothing started)"
    return 0
  fi
  if pid_ours "$STATE/redis.pid" "redis-server $REDIS_HOST:$REDIS_PORT" && answers_redis $REDIS_HOST $REDIS_PORT; then
    info "redis: already running (pid $(cat "$STATE/redis.pid")) on $REDIS_HOST:$REDIS_PORT"
    return 0
  fi
  clear_stale redis "$STATE/redis.pid" "redis-server $REDIS_HOST:$REDIS_PORT" "$REDIS_PORT"
  if port_open $REDIS_HOST $REDIS_PORT; then
    if answers_redis $REDIS_HOST $REDIS_PORT; then
      info "redis: a server already answers on $REDIS_HOST:$REDIS_PORT; using it (nothing started)"
      return 0
    fi
    die "port $REDIS_PORT is in use by something that is not Redis: stop it or set REDIS_URL to an existing server"
  fi
  need redis-server redis-server "or set REDIS_URL to an existing server" || exit 1
  mkdir -p "$CACHE/redis"
  redis-server --bind $REDIS_HOST --port $REDIS_PORT --save '' --appendonly no --daemonize yes \
    --dir "$CACHE/redis" --pidfile "$STATE/redis.pid" --logfile "$CACHE/redis/redis.log" \
    || die "redis-server failed to start (log: $CACHE/redis/redis.log)"
  local deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    if answers_redis $REDIS_HOST $REDIS_PORT && [[ -s "$STATE/redis.pid" ]]; then
      info "redis: ready on $REDIS_HOST:$REDIS_PORT (pid $(cat "$STATE/redis.pid"))"
      return 0
    fi
    sleep 0.2
  done
  die "redis did not answer within 15s (log: $CACHE/redis/redis.log)"
}

# ---------------------------------------------------------------- down / status
stop_pid() {
  local name=$1 file=$2 grace=$3
  if ! pid_alive "$file"; then
    rm -f "$file"
    return 0
  fi
  local pid
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.3; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
    info "$name: killed (pid $pid) after ${grace}s"
  else
    info "$name: stopped (pid $pid)"
  fi
  rm -f "$file"
}

status() {
  local code=0
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    echo "kafka: external, KAFKA_BROKERS=$KAFKA_BROKERS"
  elif pid_alive "$STATE/kafka.pid"; then
    echo "kafka: running Kafka $(kafka_pid_version "$STATE/kafka.pid") (started by us, pid $(cat "$STATE/kafka.pid")) on $KAFKA_HOST:$KAFKA_PORT"
    kafka_sasl_status
  elif answers_kafka $KAFKA_HOST $KAFKA_PORT; then
    local major
    major=$(kafka_api_major $KAFKA_HOST $KAFKA_PORT)
    echo "kafka: running${major:+ Kafka $major.x} (not started by us) on $KAFKA_HOST:$KAFKA_PORT"
  else
    echo "kafka: not running"; code=3
  fi
  if [[ -n "${REDIS_URL:-}" ]]; then
    echo "redis: external, REDIS_URL=$REDIS_URL"
  elif pid_alive "$STATE/redis.pid"; then
    echo "redis: running (started by us, pid $(cat "$STATE/redis.pid")) on $REDIS_HOST:$REDIS_PORT"
  elif answers_redis $REDIS_HOST $REDIS_PORT; then
    echo "redis: running (not started by us) on $REDIS_HOST:$REDIS_PORT"
  else
    echo "redis: not running"; code=3
  fi
  return $code
}

case "${1:-}" in
  up) redis_up; kafka_up ;;
  down)
    case "${2:-all}" in
      kafka) stop_pid kafka "$STATE/kafka.pid" 30 ;;
      redis) stop_pid redis "$STATE/redis.pid" 10 ;;
      all) stop_pid kafka "$STATE/kafka.pid" 30; stop_pid redis "$STATE/redis.pid" 10 ;;
      *) echo "usage: scripts/services.sh down [kafka|redis|all]" >&2; exit 2 ;;
    esac ;;
  owned)
    # Prints the services that this script started and that still run (used by scripts/test.sh).
    for s in kafka redis; do pid_alive "$STATE/$s.pid" && echo "$s"; done; true ;;
  status) status ;;
  fetch) kafka_fetch ;;
  # Fetches the jars when missing and prints their dir (for private test brokers, and for running Kafka's tools).
  libs) kafka_fetch >&2; echo "$KAFKA_LIBS" ;;
  *) echo "usage: scripts/services.sh up | down [kafka|redis|all] | status | owned | fetch | libs" >&2; exit 2 ;;
esac
