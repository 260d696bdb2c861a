"""moto server plus what AWS IoT OTA needs and moto lacks: tests and the demo only, never production code.

Run exactly like `python -m moto.server -H HOST -p PORT`. Every request moto serves is passed through unchanged;
this adds, after AWS's documented semantics (AWS IoT API reference, Jobs developer guide):

- streams (`iot`): CreateStream, DescribeStream, ListStreams, DeleteStream;
- the jobs data plane (`iot-jobs-data`): GetPendingJobExecutions, StartNextPendingJobExecution,
  DescribeJobExecution, UpdateJobExecution, with status details and version numbers;
- job semantics moto skips: a new job is IN_PROGRESS; group targets fan out to the group's things; the
  in-progress timeout turns executions TIMED_OUT; abort criteria cancel the job; a SNAPSHOT job whose executions
  all ended is COMPLETED; CancelJob cancels QUEUED executions (IN_PROGRESS too with force); DeleteJob deletes the
  executions; DescribeJob's jobProcessDetails count the executions per status;
- UpdateEventConfigurations / DescribeEventConfigurations, and the `$aws/events/job/...` and
  `$aws/events/jobExecution/...` events of the types they enable (none by default, as in a new account),
  readable at GET /moto-ext/iot/events;
- POST /moto-ext/iot/settings {"secondsPerMinute": s}: how long a "minute" of the in-progress timeout lasts;
- CloudWatch alarm actions on SNS: a state change (SetAlarmState; moto evaluates no alarm from its metrics)
  publishes the documented alarm notification JSON to the topics of the new state's actions, when actions are
  enabled, as AWS does;
- KMS Sign with MessageType DIGEST (moto hashes the digest again): the digest is signed as given, as AWS does;
- writes that are atomic on AWS take turns, since moto checks a condition (or reads an item) and then writes, in
  two steps, so two at once could both pass or one update be lost: S3 conditional writes (If-None-Match /
  If-Match on PutObject and CompleteMultipartUpload) and DynamoDB item writes (PutItem, UpdateItem, DeleteItem,
  BatchWriteItem, TransactWriteItems).
"""

import base64
import io
import json
import re
import sys
import threading
import uuid
from datetime import timedelta
from urllib.parse import parse_qs

import moto.server
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.utils import utcnow
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from moto.cloudwatch.models import CloudWatchBackend
from moto.iot.models import FakeJobExecution, iot_backends
from moto.kms.models import kms_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sns.models import sns_backends

TERMINAL = {"SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT", "REMOVED", "CANCELED"}
DEVICE_STATUSES = {"IN_PROGRESS", "SUCCEEDED", "FAILED", "REJECTED"}
ID_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
COUNT_FIELDS = {
    "QUEUED": "numberOfQueuedThings",
    "IN_PROGRESS": "numberOfInProgressThings",
    "SUCCEEDED": "numberOfSucceededThings",
    "FAILED": "numberOfFailedThings",
    "REJECTED": "numberOfRejectedThings",
    "CANCELED": "numberOfCanceledThings",
    "REMOVED": "numberOfRemovedThings",
    "TIMED_OUT": "numberOfTimedOutThings",
}


class ApiError(Exception):
    def __init__(self, status, name, message):
        super().__init__(message)
        self.status, self.name, self.message = status, name, message


class State:
    """What moto does not keep: streams, events, settings. Cleared with moto's own reset."""

    def __init__(self):
        self.lock = threading.RLock()
        self.clear()

    def clear(self):
        self.streams = {}
        self.events = []
        # UpdateEventConfigurations: event type -> {"Enabled": bool}; AWS starts with every type disabled.
        self.event_configurations = {}
        self.seconds_per_minute = 60.0


STATE = State()


def epoch(moment):
    return moment.timestamp() if moment else None


def now_seconds():
    return utcnow().timestamp()


def backend(region):
    return iot_backends[DEFAULT_ACCOUNT_ID][region]


def thing_name_of(arn):
    return arn.split("/")[-1]


def executions_of(iot, job_id):
    return [(name, ex) for (jid, name), ex in iot.job_executions.items() if jid == job_id]


def emit(topic, payload):
    """Publishes an event only when its type is enabled, as AWS does (UpdateEventConfigurations)."""
    if not STATE.event_configurations.get(payload["eventType"], {}).get("Enabled"):
        return
    STATE.events.append({"topic": topic, "payload": {"eventId": str(uuid.uuid4()), "timestamp": int(now_seconds()), **payload}})


def set_execution_status(iot, job, name, execution, status, details=None):
    execution.status = status
    if details is not None:
        execution.status_details_map = details
    execution.last_updated_at = utcnow()
    execution.version_number += 1
    if status in TERMINAL:
        emit(
            f"$aws/events/jobExecution/{job.job_id}/{status.lower()}",
            {
                "eventType": "JOB_EXECUTION",
                "operation": status.lower(),
                "jobId": job.job_id,
                "thingArn": execution.thing_arn,
                "status": status,
                **({"statusDetails": execution.status_details_map} if execution.status_details_map else {}),
            },
        )


def new_execution(job_id, thing_arn):
    execution = FakeJobExecution(job_id, thing_arn)
    execution.started_at = None
    execution.execution_number = 1
    execution.version_number = 1
    return execution


def fan_out(iot, job):
    """AWS creates an execution for every thing of a target group; moto only for things named directly."""
    job.status = "IN_PROGRESS"
    for target in job.targets:
        group = iot.thing_groups.get(target)
        if group is None:
            continue
        for thing_arn in group.things:
            key = (job.job_id, thing_name_of(thing_arn))
            if key not in iot.job_executions:
                iot.job_executions[key] = new_execution(job.job_id, thing_arn)
    for name, execution in executions_of(iot, job.job_id):
        if ":thinggroup/" in execution.thing_arn:  # moto took the group for a thing
            del iot.job_executions[(job.job_id, name)]
        elif execution.version_number == 123:  # made by moto's create_job: give it AWS's starting values
            iot.job_executions[(job.job_id, name)] = new_execution(job.job_id, execution.thing_arn)


def refresh(iot):
    """Timeouts, abort criteria, completion and process details of every job, as of now."""
    for job in list(iot.jobs.values()):
        if job.status == "QUEUED":
            fan_out(iot, job)
        executions = executions_of(iot, job.job_id)
        timeout = (job.timeout_config or {}).get("inProgressTimeoutInMinutes")
        if timeout:
            limit = timedelta(seconds=timeout * STATE.seconds_per_minute)
            for name, execution in executions:
                if execution.status == "IN_PROGRESS" and execution.started_at and utcnow() - execution.started_at >= limit:
                    set_execution_status(iot, job, name, execution, "TIMED_OUT")
        if job.status == "IN_PROGRESS":
            apply_abort_criteria(iot, job, executions)
        if job.status == "IN_PROGRESS" and job.target_selection != "CONTINUOUS" and executions:
            if all(ex.status in TERMINAL for _, ex in executions):
                job.status = "COMPLETED"
                job.completed_at = utcnow()
                emit(f"$aws/events/job/{job.job_id}/completed", {"eventType": "JOB", "operation": "completed", "jobId": job.job_id, "status": "COMPLETED"})
        counts = {field: 0 for field in COUNT_FIELDS.values()}
        for _, execution in executions:
            counts[COUNT_FIELDS[execution.status]] += 1
        job.job_process_details = {"processingTargets": job.targets, **counts}


def apply_abort_criteria(iot, job, executions):
    """AWS cancels the job when failures of a type reach the threshold. The API reference (AbortCriteria) counts
    minNumberOfExecutedThings as "things which must receive job execution notifications": here, executions a
    device has been told of (it asked for its jobs or reported a status), and the percentage is of those."""
    criteria = (job.abort_config or {}).get("criteriaList", [])
    executed = [ex for _, ex in executions if getattr(ex, "notified", False) or ex.status not in ("QUEUED", "CANCELED")]
    for criterion in criteria:
        if len(executed) < criterion.get("minNumberOfExecutedThings", 1):
            continue
        kind = criterion["failureType"]
        failed = [ex for ex in executed if ex.status in ({"FAILED", "REJECTED", "TIMED_OUT"} if kind == "ALL" else {kind})]
        if 100.0 * len(failed) / len(executed) >= float(criterion["thresholdPercentage"]):
            cancel_job(iot, job, force=False, reason=f"abort criteria met: {kind} {criterion['thresholdPercentage']}%")
            return


def cancel_job(iot, job, force, reason=None):
    job.status = "CANCELED"
    job.force = bool(force)
    if reason:
        job.reason_code = "AbortConfig"
        job.comment = reason
    for name, execution in executions_of(iot, job.job_id):
        if execution.status == "QUEUED" or (force and execution.status == "IN_PROGRESS"):
            execution.force_canceled = execution.status == "IN_PROGRESS"
            set_execution_status(iot, job, name, execution, "CANCELED")
    emit(f"$aws/events/job/{job.job_id}/canceled", {"eventType": "JOB", "operation": "canceled", "jobId": job.job_id, "status": "CANCELED"})


# ---- the jobs data plane ----

def summary(job_id, execution):
    return {
        "jobId": job_id,
        "queuedAt": int(epoch(execution.queued_at)),
        **({"startedAt": int(epoch(execution.started_at))} if execution.started_at else {}),
        "lastUpdatedAt": int(epoch(execution.last_updated_at)),
        "versionNumber": execution.version_number,
        "executionNumber": execution.execution_number,
    }


def full_execution(iot, job, name, execution, with_document=True):
    answer = {
        **summary(job.job_id, execution),
        "thingName": name,
        "status": execution.status,
        "statusDetails": execution.status_details_map,
    }
    timeout = (job.timeout_config or {}).get("inProgressTimeoutInMinutes")
    if timeout and execution.status == "IN_PROGRESS" and execution.started_at:
        left = timeout * STATE.seconds_per_minute - (utcnow() - execution.started_at).total_seconds()
        answer["approximateSecondsBeforeTimedOut"] = max(0, int(left))
    if with_document:
        answer["jobDocument"] = job.document or ""
    return answer


def pending(iot, thing):
    found = []
    for (job_id, name), execution in iot.job_executions.items():
        if name == thing and execution.status in ("QUEUED", "IN_PROGRESS") and job_id in iot.jobs:
            execution.notified = True
            found.append((iot.jobs[job_id], execution))
    return sorted(found, key=lambda pair: pair[1].queued_at)


def execution_of(iot, thing, job_id):
    execution = iot.job_executions.get((job_id, thing))
    if execution is None or job_id not in iot.jobs:
        raise ApiError(404, "ResourceNotFoundException", f"No job execution of {job_id} for {thing}")
    execution.notified = True
    return iot.jobs[job_id], execution


def start(iot, job, thing, execution, details):
    execution.started_at = utcnow()
    set_execution_status(iot, job, thing, execution, "IN_PROGRESS", details)


def jobs_data(iot, method, path, query, body):
    match = re.match(r"^/things/([^/]+)/jobs(?:/([^/]+))?$", path)
    if not match:
        raise ApiError(404, "ResourceNotFoundException", f"no such path {path}")
    thing, job_id = match.group(1), match.group(2)
    if job_id is None and method == "GET":
        jobs = pending(iot, thing)
        return {
            "inProgressJobs": [summary(j.job_id, ex) for j, ex in jobs if ex.status == "IN_PROGRESS"],
            "queuedJobs": [summary(j.job_id, ex) for j, ex in jobs if ex.status == "QUEUED"],
        }
    if job_id == "$next" and method == "PUT":
        jobs = pending(iot, thing)
        if not jobs:
            return {}
        job, execution = next(((j, ex) for j, ex in jobs if ex.status == "IN_PROGRESS"), jobs[0])
        if execution.status == "QUEUED":
            start(iot, job, thing, execution, body.get("statusDetails"))
        return {"execution": full_execution(iot, job, thing, execution)}
    if job_id and method == "GET":
        job, execution = execution_of(iot, thing, job_id)
        with_document = query.get("includeJobDocument", ["true"])[0] != "false"
        return {"execution": full_execution(iot, job, thing, execution, with_document)}
    if job_id and method == "POST":
        job, execution = execution_of(iot, thing, job_id)
        status = body.get("status")
        if status not in DEVICE_STATUSES:
            raise ApiError(400, "InvalidRequestException", f"status must be one of {sorted(DEVICE_STATUSES)}")
        expected = body.get("expectedVersion")
        if expected is not None and int(expected) != execution.version_number:
            raise ApiError(409, "VersionConflictException", f"expected version {expected}, found {execution.version_number}")
        if execution.status in TERMINAL:
            raise ApiError(409, "InvalidStateTransitionException", f"execution is {execution.status}, a terminal status")
        details = body.get("statusDetails")
        if status == "IN_PROGRESS" and execution.status == "QUEUED":
            start(iot, job, thing, execution, details)
        else:
            set_execution_status(iot, job, thing, execution, status, details)
        refresh(iot)
        answer = {}
        if body.get("includeJobExecutionState"):
            answer["executionState"] = {"status": execution.status, "statusDetails": execution.status_details_map, "versionNumber": execution.version_number}
        if body.get("includeJobDocument"):
            answer["jobDocument"] = job.document or ""
        return answer
    raise ApiError(405, "MethodNotAllowedException", f"{method} {path}")


# ---- event configurations ----

EVENT_TYPES = {"THING", "THING_GROUP", "THING_TYPE", "THING_GROUP_MEMBERSHIP", "THING_GROUP_HIERARCHY",
               "THING_TYPE_ASSOCIATION", "JOB", "JOB_EXECUTION", "POLICY", "CERTIFICATE", "CA_CERTIFICATE"}


def event_configurations(method, body):
    if method == "PATCH":
        given = body.get("eventConfigurations") or {}
        unknown = sorted(set(given) - EVENT_TYPES)
        if unknown:
            raise ApiError(400, "InvalidRequestException", f"unknown event types: {', '.join(unknown)}")
        for kind, setting in given.items():
            STATE.event_configurations[kind] = {"Enabled": bool((setting or {}).get("Enabled"))}
        return {}
    if method == "GET":
        moment = now_seconds()
        return {
            "eventConfigurations": {kind: STATE.event_configurations.get(kind, {"Enabled": False}) for kind in sorted(EVENT_TYPES)},
            "creationDate": moment,
            "lastModifiedDate": moment,
        }
    raise ApiError(405, "MethodNotAllowedException", f"{method} /event-configurations")


# ---- streams ----

def create_stream(iot, region, stream_id, body):
    files = body.get("files") or []
    problems = []
    if not ID_PATTERN.match(stream_id):
        problems.append("streamId must be 1-128 of [a-zA-Z0-9_-]")
    if not 1 <= len(files) <= 50:
        problems.append("files must hold 1-50 entries")
    ids = [f.get("fileId") for f in files]
    if any(not isinstance(i, int) or not 0 <= i <= 255 for i in ids) or len(set(ids)) != len(ids):
        problems.append("each fileId must be a distinct integer 0-255")
    if any(not (f.get("s3Location") or {}).get("bucket") or not (f.get("s3Location") or {}).get("key") for f in files):
        problems.append("each file needs s3Location.bucket and s3Location.key")
    role = body.get("roleArn") or ""
    if not 20 <= len(role) <= 2048:
        problems.append("roleArn must be 20-2048 characters")
    if len(body.get("description") or "") > 2028:
        problems.append("description must be at most 2028 characters")
    if problems:
        raise ApiError(400, "InvalidRequestException", "; ".join(problems))
    if stream_id in STATE.streams:
        raise ApiError(409, "ResourceAlreadyExistsException", f"stream {stream_id} already exists")
    moment = now_seconds()
    stream = {
        "streamId": stream_id,
        "streamArn": f"arn:aws:iot:{region}:{DEFAULT_ACCOUNT_ID}:stream/{stream_id}",
        "streamVersion": 1,
        "description": body.get("description"),
        "files": files,
        "roleArn": role,
        "createdAt": moment,
        "lastUpdatedAt": moment,
    }
    STATE.streams[stream_id] = stream
    return {k: stream[k] for k in ("streamId", "streamArn", "description", "streamVersion") if stream[k] is not None}


def streams(iot, region, method, path, body):
    match = re.match(r"^/streams(?:/([^/]+))?$", path)
    stream_id = match.group(1) if match else None
    if stream_id is None and method == "GET":
        return {"streams": [{k: s[k] for k in ("streamId", "streamArn", "streamVersion", "description") if s[k] is not None} for s in STATE.streams.values()]}
    if stream_id and method == "POST":
        return create_stream(iot, region, stream_id, body)
    if stream_id not in STATE.streams:
        raise ApiError(404, "ResourceNotFoundException", f"stream {stream_id} does not exist")
    if method == "GET":
        return {"streamInfo": STATE.streams[stream_id]}
    if method == "DELETE":
        del STATE.streams[stream_id]
        return {}
    raise ApiError(405, "MethodNotAllowedException", f"{method} {path}")


# ---- KMS ----

DIGESTS = {"ECDSA_SHA_256": hashes.SHA256, "ECDSA_SHA_384": hashes.SHA384, "ECDSA_SHA_512": hashes.SHA512}


def sign_digest(region, body):
    """Sign with MessageType DIGEST: the message is the hash already (KMS API reference, Sign)."""
    algorithm = body.get("SigningAlgorithm")
    key = kms_backends[DEFAULT_ACCOUNT_ID][region].describe_key(body.get("KeyId"))
    private = getattr(key.private_key, "private_key", None)
    if algorithm not in DIGESTS or not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ApiError(400, "InvalidKeyUsageException", "DIGEST signing here supports ECC keys with ECDSA_SHA_* only")
    digest = base64.b64decode(body.get("Message", ""))
    signature = private.sign(digest, ec.ECDSA(utils.Prehashed(DIGESTS[algorithm]())))
    return {"KeyId": key.arn, "Signature": base64.b64encode(signature).decode(), "SigningAlgorithm": algorithm}


# ---- CloudWatch alarm actions (AWS CloudWatch User Guide, "Using Amazon CloudWatch alarms": the SNS message) ----

def alarm_notification(alarm, old_state):
    """The JSON CloudWatch publishes to an alarm's SNS actions on a state change.

    One difference: `Region` (and the subject) carry the region code, where AWS writes its display name
    ("EU (Ireland)"); nothing the tests drive reads either.
    """
    percentile = alarm.extended_statistic is not None
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": alarm.alarm_arn.split(":")[4],
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": alarm.state_updated_timestamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
        "Region": alarm.region_name,
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "OKActions": alarm.ok_actions,
        "AlarmActions": alarm.alarm_actions,
        "InsufficientDataActions": alarm.insufficient_data_actions,
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "ExtendedStatistic" if percentile else "Statistic",
            **({"ExtendedStatistic": alarm.extended_statistic} if percentile else {"Statistic": (alarm.statistic or "").upper()}),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            **({"DatapointsToAlarm": alarm.datapoints_to_alarm} if alarm.datapoints_to_alarm else {}),
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": alarm.threshold,
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        },
    }


MOTO_SET_ALARM_STATE = CloudWatchBackend.set_alarm_state


def set_alarm_state_and_notify(self, alarm_name, reason, reason_data, state_value):
    alarm = self.alarms.get(alarm_name)
    old_state = alarm.state_value if alarm else None
    MOTO_SET_ALARM_STATE(self, alarm_name, reason, reason_data, state_value)
    if old_state == state_value or not alarm.actions_enabled:
        return
    actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions, "INSUFFICIENT_DATA": alarm.insufficient_data_actions}[state_value]
    message = json.dumps(alarm_notification(alarm, old_state))
    subject = f'{state_value}: "{alarm.name}" in {alarm.region_name}'[:99]
    for arn in actions or []:
        parts = arn.split(":")
        if len(parts) == 6 and parts[2] == "sns":
            sns_backends[parts[4]][parts[3]].publish(message, arn=arn, subject=subject)


CloudWatchBackend.set_alarm_state = set_alarm_state_and_notify


# ---- the WSGI layer around moto ----

def signing(environ):
    """(service, region) from a SigV4 Authorization header, else (None, None)."""
    match = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", environ.get("HTTP_AUTHORIZATION", ""))
    return (match.group(2), match.group(1)) if match else (None, None)


def read_body(environ):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    return json.loads(raw) if raw.strip() else {}


def restore_body(environ, body):
    """Puts a body read here back for moto."""
    raw = json.dumps(body).encode()
    environ["wsgi.input"] = io.BytesIO(raw)
    environ["CONTENT_LENGTH"] = str(len(raw))


def respond(start_response, status, payload, headers=()):
    data = json.dumps(payload).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict"}.get(status, "Error")
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *headers])
    return [data]


# Writes AWS applies atomically take turns (see the module's docstring).
ATOMIC_WRITES = threading.Lock()
DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def atomic_on_aws(service, method, environ):
    if service == "dynamodb":
        return environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2] in DYNAMODB_WRITES
    return service == "s3" and method in ("PUT", "POST") and (
        "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MATCH" in environ
    )


class ExtendedDispatcher(DomainDispatcherApplication):
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        service, region = signing(environ)
        if atomic_on_aws(service, method, environ):
            with ATOMIC_WRITES:
                return list(super().__call__(environ, start_response))
        query = parse_qs(environ.get("QUERY_STRING", ""))
        try:
            with STATE.lock:
                if path.startswith("/moto-ext/iot/"):
                    return respond(start_response, 200, self.control(path, method, query, environ))
                if service == "iot-jobs-data":
                    iot = backend(region)
                    refresh(iot)
                    return respond(start_response, 200, jobs_data(iot, method, path, query, read_body(environ)))
                if service == "kms" and environ.get("HTTP_X_AMZ_TARGET") == "TrentService.Sign":
                    body = read_body(environ)
                    if body.get("MessageType") == "DIGEST":
                        return respond(start_response, 200, sign_digest(region, body))
                    restore_body(environ, body)
                if service == "iot" and path == "/event-configurations":
                    return respond(start_response, 200, event_configurations(method, read_body(environ)))
                if service == "iot" and path.startswith("/streams"):
                    return respond(start_response, 200, streams(backend(region), region, method, path, read_body(environ)))
                if service == "iot":
                    return self.iot(environ, start_response, backend(region), method, path, query)
        except ApiError as error:
            return respond(start_response, error.status, {"message": error.message}, [("x-amzn-ErrorType", error.name)])
        answer = super().__call__(environ, start_response)
        if path == "/moto-api/reset" and method == "POST":
            with STATE.lock:
                STATE.clear()
        return answer

    def iot(self, environ, start_response, iot, method, path, query):
        """moto's IoT, with job semantics applied before (timeouts, completion) and after (fan-out, cancel, delete)."""
        refresh(iot)
        job_match = re.match(r"^/jobs/([^/]+)(/cancel)?$", path)
        job_id = job_match.group(1) if job_match else None
        if job_id and method == "DELETE" and job_id not in iot.jobs:
            raise ApiError(404, "ResourceNotFoundException", f"job {job_id} does not exist")
        if job_id and method == "PUT" and job_match.group(2) and job_id in iot.jobs:
            body = read_body(environ)
            job = iot.jobs[job_id]
            if job.status != "IN_PROGRESS":
                raise ApiError(409, "InvalidStateTransitionException", f"job {job_id} is {job.status}")
            force = query.get("force", ["false"])[0] == "true" or bool(body.get("force"))
            job.reason_code = body.get("reasonCode", job.reason_code)
            job.comment = body.get("comment", job.comment)
            cancel_job(iot, job, force)
            refresh(iot)
            return respond(start_response, 200, {"jobArn": job.job_arn, "jobId": job.job_id, "description": job.description})
        answer = list(super().__call__(environ, start_response))
        if job_id and method == "PUT" and not job_match.group(2) and job_id in iot.jobs:
            fan_out(iot, iot.jobs[job_id])
            refresh(iot)
        if job_id and method == "DELETE" and job_id not in iot.jobs:
            for name, _ in executions_of(iot, job_id):
                del iot.job_executions[(job_id, name)]
            emit(f"$aws/events/job/{job_id}/deleted", {"eventType": "JOB", "operation": "deleted", "jobId": job_id})
        return answer

    def control(self, path, method, query, environ):
        if path == "/moto-ext/iot/events" and method == "GET":
            since = int(query.get("since", ["0"])[0])
            job = query.get("jobId", [None])[0]
            events = STATE.events[since:]
            if job:
                events = [e for e in events if e["payload"].get("jobId") == job]
            return {"events": events, "next": len(STATE.events)}
        if path == "/moto-ext/iot/settings" and method == "POST":
            body = read_body(environ)
            seconds = float(body.get("secondsPerMinute", STATE.seconds_per_minute))
            if seconds <= 0:
                raise ApiError(400, "InvalidRequestException", "secondsPerMinute must be above 0")
            STATE.seconds_per_minute = seconds
            return {"secondsPerMinute": STATE.seconds_per_minute}
        raise ApiError(404, "ResourceNotFoundException", f"no such control {method} {path}")


if __name__ == "__main__":
    moto.server.DomainDispatcherApplication = ExtendedDispatcher
    moto.server.main(sys.argv[1:])
