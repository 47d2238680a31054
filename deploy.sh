#!/usr/bin/env bash
# Deploy the Batch image-streaming gateway to a Google Cloud project, or tear it down.
#
# Every step checks what exists before creating it, so a second run creates
# nothing; it does re-run `gcloud functions deploy`, because that is how a new
# version of the source ships. `--dry-run` prints each gcloud command instead
# of running it. README.md, section "Deploying", explains the settings.
set -euo pipefail

readonly STEPS=(apis accounts topics bucket access functions dead-letters scheduler)
readonly APIS=(batch cloudfunctions run eventarc pubsub artifactregistry
  containerfilesystem cloudbuild logging cloudscheduler)
readonly FUNCTIONS=(submit-from-gcs submit-from-pubsub relay-job-state reconcile-jobs)
readonly RUNTIME_ROLES=(roles/batch.jobsEditor roles/artifactregistry.reader
  roles/logging.logWriter)
readonly TRIGGER_ROLES=(roles/eventarc.eventReceiver)
readonly MAX_EVENT_TIMEOUT=540

usage() {
  cat <<'EOF'
usage: deploy.sh [--dry-run] [--teardown [--delete-bucket]] [--only STEP[,STEP...]]
                 --project ID --region REGION --bucket NAME [--create-bucket] [OPTION...]
EOF
}

help_text() {
  usage
  cat <<'EOF'

Required (flag, or environment variable):
  --project ID       PROJECT or GOOGLE_CLOUD_PROJECT
  --region REGION    REGION or BATCH_REGION (functions, jobs, scheduler)
  --bucket NAME      BUCKET: the bucket job requests are uploaded to

Options (flag, environment variable, default):
  --create-bucket                 CREATE_BUCKET=false   create the bucket too
  --project-number N              PROJECT_NUMBER        looked up when unset
  --requests-topic T              REQUESTS_TOPIC=batch-job-requests
  --events-topic T                EVENTS_TOPIC=batch-job-events
  --job-state-topic T             JOB_STATE_TOPIC=batch-job-state
  --reconcile-topic T             RECONCILE_TOPIC=batch-job-reconcile
  --dead-letter-topic T           DEAD_LETTER_TOPIC=batch-job-dead-letters
  --dead-letter-subscription S    DEAD_LETTER_SUBSCRIPTION=batch-job-dead-letters
  --max-delivery-attempts N       MAX_DELIVERY_ATTEMPTS=10 (5 to 100)
  --request-prefix P              REQUEST_PREFIX=jobs/
  --status-prefix P               STATUS_PREFIX=status/
  --preflight true|false          PREFLIGHT=true        registry manifest checks
  --runtime-account NAME          RUNTIME_ACCOUNT=batch-gateway-runtime
  --trigger-account NAME          TRIGGER_ACCOUNT=batch-gateway-trigger
  --job-service-account EMAIL     JOB_SERVICE_ACCOUNT   default: Compute Engine's
  --scheduler-job NAME            SCHEDULER_JOB=batch-gateway-reconcile
  --reconcile-minutes N           RECONCILE_MINUTES=10 (1 to 59)
  --concurrency N                 CONCURRENCY=8         also sets THREADS
  --max-instances N               MAX_INSTANCES=10
  --memory SIZE                   MEMORY=512Mi
  --cpu N                         CPU=1                 at least 1 when concurrency > 1
  --timeout SECONDS               TIMEOUT=300 (at most 540)

Modes:
  --dry-run          print every gcloud command, one per line, and run none
  --teardown         delete what a deploy created (APIs stay enabled)
  --delete-bucket    with --teardown: delete the bucket and every object in it
  --only STEPS       run only these steps: apis accounts topics bucket access
                     functions dead-letters scheduler
EOF
}

# --- settings -----------------------------------------------------------------

load_defaults() {
  PROJECT="${PROJECT:-${GOOGLE_CLOUD_PROJECT:-}}"
  REGION="${REGION:-${BATCH_REGION:-}}"
  BUCKET="${BUCKET:-}"
  CREATE_BUCKET="${CREATE_BUCKET:-false}"
  PROJECT_NUMBER="${PROJECT_NUMBER:-}"
  REQUESTS_TOPIC="${REQUESTS_TOPIC:-batch-job-requests}"
  EVENTS_TOPIC="${EVENTS_TOPIC:-batch-job-events}"
  JOB_STATE_TOPIC="${JOB_STATE_TOPIC:-batch-job-state}"
  RECONCILE_TOPIC="${RECONCILE_TOPIC:-batch-job-reconcile}"
  DEAD_LETTER_TOPIC="${DEAD_LETTER_TOPIC:-batch-job-dead-letters}"
  DEAD_LETTER_SUBSCRIPTION="${DEAD_LETTER_SUBSCRIPTION:-batch-job-dead-letters}"
  MAX_DELIVERY_ATTEMPTS="${MAX_DELIVERY_ATTEMPTS:-10}"
  REQUEST_PREFIX="${REQUEST_PREFIX:-jobs/}"
  STATUS_PREFIX="${STATUS_PREFIX:-status/}"
  PREFLIGHT="${PREFLIGHT:-true}"
  RUNTIME_ACCOUNT="${RUNTIME_ACCOUNT:-batch-gateway-runtime}"
  TRIGGER_ACCOUNT="${TRIGGER_ACCOUNT:-batch-gateway-trigger}"
  JOB_SERVICE_ACCOUNT="${JOB_SERVICE_ACCOUNT:-}"
  SCHEDULER_JOB="${SCHEDULER_JOB:-batch-gateway-reconcile}"
  RECONCILE_MINUTES="${RECONCILE_MINUTES:-10}"
  CONCURRENCY="${CONCURRENCY:-8}"
  MAX_INSTANCES="${MAX_INSTANCES:-10}"
  MEMORY="${MEMORY:-512Mi}"
  CPU="${CPU:-1}"
  TIMEOUT="${TIMEOUT:-300}"
  DRY_RUN=false
  MODE=deploy
  DELETE_BUCKET=false
  ONLY=""
}

usage_error() {
  printf 'deploy.sh: %s\n' "$@" >&2
  usage >&2
  exit 2
}

parse_args() {
  while (($#)); do
    case "$1" in
      -h | --help) help_text; exit 0 ;;
      --dry-run) DRY_RUN=true; shift ;;
      --teardown) MODE=teardown; shift ;;
      --delete-bucket) DELETE_BUCKET=true; shift ;;
      --create-bucket) CREATE_BUCKET=true; shift ;;
      --*=*) set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
      --*)
        (($# >= 2)) || usage_error "option $1 needs a value"
        set_option "$1" "$2"
        shift 2
        ;;
      *) usage_error "unexpected argument: $1" ;;
    esac
  done
}

set_option() {
  local flag=$1 value=$2
  case "$flag" in
    --project) PROJECT=$value ;;
    --region) REGION=$value ;;
    --bucket) BUCKET=$value ;;
    --project-number) PROJECT_NUMBER=$value ;;
    --requests-topic) REQUESTS_TOPIC=$value ;;
    --events-topic) EVENTS_TOPIC=$value ;;
    --job-state-topic) JOB_STATE_TOPIC=$value ;;
    --reconcile-topic) RECONCILE_TOPIC=$value ;;
    --dead-letter-topic) DEAD_LETTER_TOPIC=$value ;;
    --dead-letter-subscription) DEAD_LETTER_SUBSCRIPTION=$value ;;
    --max-delivery-attempts) MAX_DELIVERY_ATTEMPTS=$value ;;
    --request-prefix) REQUEST_PREFIX=$value ;;
    --status-prefix) STATUS_PREFIX=$value ;;
    --preflight) PREFLIGHT=$value ;;
    --runtime-account) RUNTIME_ACCOUNT=$value ;;
    --trigger-account) TRIGGER_ACCOUNT=$value ;;
    --job-service-account) JOB_SERVICE_ACCOUNT=$value ;;
    --scheduler-job) SCHEDULER_JOB=$value ;;
    --reconcile-minutes) RECONCILE_MINUTES=$value ;;
    --concurrency) CONCURRENCY=$value ;;
    --max-instances) MAX_INSTANCES=$value ;;
    --memory) MEMORY=$value ;;
    --cpu) CPU=$value ;;
    --timeout) TIMEOUT=$value ;;
    --only) ONLY=$value ;;
    *) usage_error "unknown option: $flag" ;;
  esac
}

validate_settings() {
  PROBLEMS=()
  require PROJECT "--project or set PROJECT or GOOGLE_CLOUD_PROJECT"
  require REGION "--region or set REGION or BATCH_REGION"
  require BUCKET "--bucket or set BUCKET"
  check_range CONCURRENCY 1 1000
  check_range MAX_INSTANCES 1 1000
  check_range MAX_DELIVERY_ATTEMPTS 5 100
  check_range RECONCILE_MINUTES 1 59
  check_range TIMEOUT 1 "$MAX_EVENT_TIMEOUT"
  [[ $PREFLIGHT == true || $PREFLIGHT == false ]] ||
    PROBLEMS+=("PREFLIGHT must be true or false, got '$PREFLIGHT'")
  cpu_allows_concurrency ||
    PROBLEMS+=("CONCURRENCY $CONCURRENCY needs CPU of at least 1 on 2nd gen functions, got '$CPU'")
  # --set-env-vars separates variables with commas.
  [[ "$REQUEST_PREFIX$STATUS_PREFIX$EVENTS_TOPIC$JOB_STATE_TOPIC" != *,* ]] ||
    PROBLEMS+=("REQUEST_PREFIX, STATUS_PREFIX and topic names must not contain commas")
  valid_steps || PROBLEMS+=("--only takes steps from: ${STEPS[*]}; got '$ONLY'")
  ((${#PROBLEMS[@]} == 0)) || usage_error "${PROBLEMS[@]}"
}

require() {
  [[ -n ${!1} ]] || PROBLEMS+=("missing setting $1: pass $2")
}

check_range() {
  in_range "$@" || PROBLEMS+=("$1 must be a whole number from $2 to $3, got '${!1}'")
}

in_range() {
  local value=${!1} low=$2 high=$3
  [[ $value =~ ^[0-9]+$ ]] && ((10#$value >= low && 10#$value <= high))
}

# Cloud Run accepts CPU as "1", "0.5", ".5" or "500m"; compare in millicores.
cpu_millis() {
  if [[ $CPU =~ ^([0-9]+)m$ ]]; then
    echo "$((10#${BASH_REMATCH[1]}))"
  elif [[ $CPU =~ ^([0-9]*)(\.([0-9]{1,3}))?$ && $CPU != "" && $CPU != . ]]; then
    local fraction="${BASH_REMATCH[3]}000"
    echo "$((10#${BASH_REMATCH[1]:-0} * 1000 + 10#${fraction:0:3}))"
  else
    echo 0
  fi
}

cpu_allows_concurrency() {
  [[ $CONCURRENCY =~ ^[0-9]+$ ]] || return 0
  ((10#$CONCURRENCY <= 1 || $(cpu_millis) >= 1000))
}

valid_steps() {
  local step
  for step in ${ONLY//,/ }; do
    [[ " ${STEPS[*]} " == *" $step "* ]] || return 1
  done
}

wants() {
  [[ -z $ONLY || ",$ONLY," == *",$1,"* ]]
}

# --- running commands ---------------------------------------------------------

# Shell-quote one word the way a person would type it.
quote() {
  if [[ $1 =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

print_command() {
  local words=() word
  for word in "$@"; do
    words+=("$(quote "$word")")
  done
  printf '%s\n' "${words[*]}" >&3
}

run() {
  if [[ $DRY_RUN == true ]]; then
    print_command "$@"
  else
    "$@"
  fi
}

# A probe: true when the resource exists. A dry run assumes a deploy starts
# from nothing and a teardown from everything, so it prints the whole plan.
exists() {
  if [[ $DRY_RUN == true ]]; then
    print_command "$@"
    [[ $MODE == teardown ]]
  else
    "$@" >/dev/null 2>&1
  fi
}

# Print a command's output; a dry run prints the command and a placeholder.
lookup() {
  local placeholder=$1
  shift
  if [[ $DRY_RUN == true ]]; then
    print_command "$@"
    printf '%s\n' "$placeholder"
    return
  fi
  local value
  value=$("$@")
  [[ -n $value ]] || { echo "deploy.sh: empty answer from: $*" >&2; exit 1; }
  printf '%s\n' "$value"
}

# A new service account takes a while to become visible to IAM, so grants retry.
grant() {
  local attempt
  for attempt in 1 2 3 4 5; do
    run "$@" && return 0
    echo "deploy.sh: grant failed (attempt $attempt of 5), retrying in 10 s" >&2
    sleep 10
  done
  return 1
}

# Teardown of grants is best effort: a binding someone removed is not an error.
revoke() {
  run "$@" || echo "deploy.sh: could not remove a binding; continuing" >&2
}

say() {
  printf '==> %s\n' "$*" >&2
}

# --- names ----------------------------------------------------------------------

account_email() {
  printf '%s@%s.iam.gserviceaccount.com' "$1" "$PROJECT"
}

account_description() {
  if [[ $1 == "$RUNTIME_ACCOUNT" ]]; then
    printf 'Batch gateway functions'
  else
    printf 'Batch gateway Eventarc triggers'
  fi
}

project_number() {
  if [[ -z $PROJECT_NUMBER ]]; then
    PROJECT_NUMBER=$(lookup PROJECT_NUMBER gcloud projects describe "$PROJECT" \
      '--format=value(projectNumber)')
  fi
}

# Call project_number first: a $(...) subshell cannot keep what it looks up.
job_service_account() {
  printf '%s' "${JOB_SERVICE_ACCOUNT:-$PROJECT_NUMBER-compute@developer.gserviceaccount.com}"
}

storage_agent() {
  printf 'service-%s@gs-project-accounts.iam.gserviceaccount.com' "$PROJECT_NUMBER"
}

pubsub_agent() {
  printf 'service-%s@gcp-sa-pubsub.iam.gserviceaccount.com' "$PROJECT_NUMBER"
}


entry_point() {
  printf '%s' "${1//-/_}"
}

env_vars() {
  local vars=(
    "GOOGLE_CLOUD_PROJECT=$PROJECT"
    "BATCH_REGION=$REGION"
    "EVENTS_TOPIC=$EVENTS_TOPIC"
    "JOB_STATE_TOPIC=$JOB_STATE_TOPIC"
    "REQUEST_PREFIX=$REQUEST_PREFIX"
    "STATUS_PREFIX=$STATUS_PREFIX"
    "STATUS_BUCKET=$BUCKET"
    "PREFLIGHT=$PREFLIGHT"
    "THREADS=$CONCURRENCY"
  )
  local IFS=,
  printf '%s' "${vars[*]}"
}

trigger_flags() {
  case "$1" in
    submit-from-gcs) printf '%s\n' "--trigger-bucket=$BUCKET" ;;
    submit-from-pubsub) printf '%s\n' "--trigger-topic=$REQUESTS_TOPIC" ;;
    relay-job-state) printf '%s\n' "--trigger-topic=$JOB_STATE_TOPIC" ;;
    reconcile-jobs) printf '%s\n' "--trigger-topic=$RECONCILE_TOPIC" ;;
  esac
}

# --- deploy steps -----------------------------------------------------------------

deploy_apis() {
  run gcloud services enable "${APIS[@]/%/.googleapis.com}" "--project=$PROJECT"
}

deploy_accounts() {
  local name
  for name in "$RUNTIME_ACCOUNT" "$TRIGGER_ACCOUNT"; do
    exists gcloud iam service-accounts describe "$(account_email "$name")" \
      "--project=$PROJECT" ||
      run gcloud iam service-accounts create "$name" \
        "--display-name=$(account_description "$name")" "--project=$PROJECT"
  done
}

deploy_topics() {
  local topic
  for topic in "$REQUESTS_TOPIC" "$EVENTS_TOPIC" "$JOB_STATE_TOPIC" \
    "$RECONCILE_TOPIC" "$DEAD_LETTER_TOPIC"; do
    exists gcloud pubsub topics describe "$topic" "--project=$PROJECT" ||
      run gcloud pubsub topics create "$topic" "--project=$PROJECT"
  done
  exists gcloud pubsub subscriptions describe "$DEAD_LETTER_SUBSCRIPTION" \
    "--project=$PROJECT" ||
    run gcloud pubsub subscriptions create "$DEAD_LETTER_SUBSCRIPTION" \
      "--topic=$DEAD_LETTER_TOPIC" --message-retention-duration=7d \
      "--project=$PROJECT"
}

deploy_bucket() {
  [[ $CREATE_BUCKET == true ]] || return 0
  exists gcloud storage buckets describe "gs://$BUCKET" "--project=$PROJECT" ||
    run gcloud storage buckets create "gs://$BUCKET" "--location=$REGION" \
      --uniform-bucket-level-access "--project=$PROJECT"
}

grant_project_role() {
  grant gcloud projects add-iam-policy-binding "$PROJECT" "--member=$1" \
    "--role=$2" --condition=None --format=none
}

deploy_access() {
  local runtime trigger role job_account
  runtime="serviceAccount:$(account_email "$RUNTIME_ACCOUNT")"
  trigger="serviceAccount:$(account_email "$TRIGGER_ACCOUNT")"
  project_number
  job_account=$(job_service_account)
  for role in "${RUNTIME_ROLES[@]}"; do
    grant_project_role "$runtime" "$role"
  done
  for role in "${TRIGGER_ROLES[@]}"; do
    grant_project_role "$trigger" "$role"
  done
  grant gcloud iam service-accounts add-iam-policy-binding "$job_account" \
    "--member=$runtime" --role=roles/iam.serviceAccountUser \
    "--project=$PROJECT" --format=none
  grant gcloud pubsub topics add-iam-policy-binding "$EVENTS_TOPIC" \
    "--member=$runtime" --role=roles/pubsub.publisher "--project=$PROJECT" \
    --format=none
  grant gcloud pubsub topics add-iam-policy-binding "$JOB_STATE_TOPIC" \
    "--member=serviceAccount:$job_account" --role=roles/pubsub.publisher \
    "--project=$PROJECT" --format=none
  # objectUser, not objectCreator: rewriting a status report needs delete.
  grant gcloud storage buckets add-iam-policy-binding "gs://$BUCKET" \
    "--member=$runtime" --role=roles/storage.objectUser "--project=$PROJECT" \
    --format=none
  grant_project_role "serviceAccount:$(storage_agent)" roles/pubsub.publisher
  grant gcloud pubsub topics add-iam-policy-binding "$DEAD_LETTER_TOPIC" \
    "--member=serviceAccount:$(pubsub_agent)" --role=roles/pubsub.publisher \
    "--project=$PROJECT" --format=none
}

deploy_function() {
  local name=$1 trigger_flag
  trigger_flag=$(trigger_flags "$name")
  run gcloud functions deploy "$name" --gen2 "--region=$REGION" \
    --runtime=python312 --source=. "--entry-point=$(entry_point "$name")" \
    "$trigger_flag" --retry \
    "--service-account=$(account_email "$RUNTIME_ACCOUNT")" \
    "--trigger-service-account=$(account_email "$TRIGGER_ACCOUNT")" \
    "--set-env-vars=$(env_vars)" "--concurrency=$CONCURRENCY" \
    "--max-instances=$MAX_INSTANCES" "--memory=$MEMORY" "--cpu=$CPU" \
    "--timeout=${TIMEOUT}s" "--project=$PROJECT" --quiet
  # run.invoker on this function only, not on every Cloud Run service.
  grant gcloud functions add-invoker-policy-binding "$name" "--region=$REGION" \
    "--member=serviceAccount:$(account_email "$TRIGGER_ACCOUNT")" \
    "--project=$PROJECT" --format=none
}

deploy_functions() {
  local name
  for name in "${FUNCTIONS[@]}"; do
    deploy_function "$name"
  done
}

trigger_subscription() {
  local name=$1 trigger
  trigger=$(lookup "<trigger of $name>" gcloud functions describe "$name" --gen2 \
    "--region=$REGION" '--format=value(eventTrigger.trigger)' "--project=$PROJECT")
  lookup "<subscription of $name>" gcloud eventarc triggers describe "$trigger" \
    '--format=value(transport.pubsub.subscription)' "--project=$PROJECT"
}

deploy_dead_letters() {
  local name subscription
  project_number
  for name in "${FUNCTIONS[@]}"; do
    subscription=$(trigger_subscription "$name")
    run gcloud pubsub subscriptions update "$subscription" \
      "--dead-letter-topic=$DEAD_LETTER_TOPIC" \
      "--max-delivery-attempts=$MAX_DELIVERY_ATTEMPTS" "--project=$PROJECT"
    grant gcloud pubsub subscriptions add-iam-policy-binding "$subscription" \
      "--member=serviceAccount:$(pubsub_agent)" --role=roles/pubsub.subscriber \
      "--project=$PROJECT" --format=none
  done
}

deploy_scheduler() {
  local verb=create
  if exists gcloud scheduler jobs describe "$SCHEDULER_JOB" "--location=$REGION" \
    "--project=$PROJECT"; then
    verb=update
  fi
  # A full topic name: this flag ignores --project and wants core/project.
  run gcloud scheduler jobs "$verb" pubsub "$SCHEDULER_JOB" "--location=$REGION" \
    "--schedule=*/$RECONCILE_MINUTES * * * *" \
    "--topic=projects/$PROJECT/topics/$RECONCILE_TOPIC" '--message-body={}' \
    "--project=$PROJECT"
}

# --- teardown steps ---------------------------------------------------------------

teardown_scheduler() {
  if exists gcloud scheduler jobs describe "$SCHEDULER_JOB" "--location=$REGION" \
    "--project=$PROJECT"; then
    run gcloud scheduler jobs delete "$SCHEDULER_JOB" "--location=$REGION" \
      "--project=$PROJECT" --quiet
  fi
}

# Deleting a function also deletes its Eventarc trigger and that subscription.
teardown_functions() {
  local name
  for name in "${FUNCTIONS[@]}"; do
    if exists gcloud functions describe "$name" --gen2 "--region=$REGION" \
      "--project=$PROJECT"; then
      run gcloud functions delete "$name" --gen2 "--region=$REGION" \
        "--project=$PROJECT" --quiet
    fi
  done
}

teardown_topics() {
  local topic
  if exists gcloud pubsub subscriptions describe "$DEAD_LETTER_SUBSCRIPTION" \
    "--project=$PROJECT"; then
    run gcloud pubsub subscriptions delete "$DEAD_LETTER_SUBSCRIPTION" \
      "--project=$PROJECT" --quiet
  fi
  for topic in "$REQUESTS_TOPIC" "$EVENTS_TOPIC" "$JOB_STATE_TOPIC" \
    "$RECONCILE_TOPIC" "$DEAD_LETTER_TOPIC"; do
    if exists gcloud pubsub topics describe "$topic" "--project=$PROJECT"; then
      run gcloud pubsub topics delete "$topic" "--project=$PROJECT" --quiet
    fi
  done
}

teardown_bucket() {
  [[ $DELETE_BUCKET == true ]] || return 0
  if exists gcloud storage buckets describe "gs://$BUCKET" "--project=$PROJECT"; then
    run gcloud storage rm --recursive "gs://$BUCKET" "--project=$PROJECT" --quiet
  fi
}

# Project-level grants would outlive the accounts as "deleted:" members.
teardown_access() {
  local runtime trigger role
  runtime="serviceAccount:$(account_email "$RUNTIME_ACCOUNT")"
  trigger="serviceAccount:$(account_email "$TRIGGER_ACCOUNT")"
  if exists gcloud iam service-accounts describe "$(account_email "$RUNTIME_ACCOUNT")" \
    "--project=$PROJECT"; then
    for role in "${RUNTIME_ROLES[@]}"; do
      revoke gcloud projects remove-iam-policy-binding "$PROJECT" \
        "--member=$runtime" "--role=$role" --condition=None --format=none
    done
  fi
  if exists gcloud iam service-accounts describe "$(account_email "$TRIGGER_ACCOUNT")" \
    "--project=$PROJECT"; then
    for role in "${TRIGGER_ROLES[@]}"; do
      revoke gcloud projects remove-iam-policy-binding "$PROJECT" \
        "--member=$trigger" "--role=$role" --condition=None --format=none
    done
  fi
}

teardown_accounts() {
  local name
  for name in "$RUNTIME_ACCOUNT" "$TRIGGER_ACCOUNT"; do
    if exists gcloud iam service-accounts describe "$(account_email "$name")" \
      "--project=$PROJECT"; then
      run gcloud iam service-accounts delete "$(account_email "$name")" \
        "--project=$PROJECT" --quiet
    fi
  done
}

deploy() {
  local step
  for step in "${STEPS[@]}"; do
    wants "$step" || continue
    say "deploy: $step"
    "deploy_${step//-/_}"
  done
}

# Reverse order: consumers go before what they consume, grants before accounts.
teardown() {
  local step
  for step in scheduler functions topics bucket access accounts; do
    wants "$step" || continue
    say "teardown: $step"
    "teardown_$step"
  done
}

main() {
  load_defaults
  parse_args "$@"
  validate_settings
  # Dry-run output goes to fd 3 so that lookups captured by $(...) still print.
  exec 3>&1
  # `--source=.` uploads this folder, filtered by its .gcloudignore.
  cd "$(dirname "${BASH_SOURCE[0]}")"
  "$MODE"
}

main "$@"
