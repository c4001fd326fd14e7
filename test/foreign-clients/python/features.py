"""One feature of one foreign Kafka client, run against one broker.

Usage: features.py <client> <feature> <bootstrap> [registry-url]
Prints one JSON line: {"result": "ok" | "refused" | "fail", "detail": "..."}; "refused" means the broker
refused the feature with a Kafka error at once (transactions on the dev broker).
Every wait is bounded; the process exits 0 whatever the result, non-zero only when it crashed.
"""
import json
import os
import signal
import subprocess
import sys
import time
import uuid

CLIENT, FEATURE, BOOTSTRAP = sys.argv[1], sys.argv[2], sys.argv[3]
REGISTRY = sys.argv[4] if len(sys.argv) > 4 else None
RUN = uuid.uuid4().hex[:8]
DEADLINE_S = 60


def done(result, detail=''):
    print(json.dumps({'result': result, 'detail': str(detail)[:300]}), flush=True)
    sys.exit(0)


def topic_name(kind):
    return f'fc-{kind}-{CLIENT}-{RUN}'


# ---------------------------------------------------------------- confluent-kafka (librdkafka)

_CK_ADMIN = []


def ck_admin():
    # One client kept alive: librdkafka fails pending futures when their handle is collected.
    if not _CK_ADMIN:
        from confluent_kafka.admin import AdminClient
        _CK_ADMIN.append(AdminClient({'bootstrap.servers': BOOTSTRAP}))
    return _CK_ADMIN[0]


def ck_create(topic, partitions=1):
    from confluent_kafka.admin import NewTopic
    for f in ck_admin().create_topics([NewTopic(topic, partitions, 1)]).values():
        f.result(timeout=15)


def ck_consume(topic, count, group=None, timeout_s=30):
    from confluent_kafka import Consumer
    c = Consumer({'bootstrap.servers': BOOTSTRAP, 'group.id': group or f'fc-read-{uuid.uuid4().hex[:6]}',
                  'auto.offset.reset': 'earliest', 'enable.auto.commit': False})
    c.subscribe([topic])
    got = []
    end = time.time() + timeout_s
    try:
        while len(got) < count and time.time() < end:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                raise RuntimeError(m.error())
            got.append(m)
    finally:
        c.close()
    return got


def ck_produce(topic, n, extra=None):
    from confluent_kafka import Producer
    conf = {'bootstrap.servers': BOOTSTRAP, 'linger.ms': 20}
    conf.update(extra or {})
    p = Producer(conf)
    errors = []
    for i in range(n):
        p.produce(topic, key=f'k{i}', value=f'value-{i}-' + 'x' * 200,
                  on_delivery=lambda err, _m: errors.append(err) if err else None)
    left = p.flush(20)
    if left or errors:
        raise RuntimeError(f'{left} undelivered, errors {errors[:2]}')


def ck_feature():
    if FEATURE == 'admin':
        from confluent_kafka.admin import ConfigResource, NewPartitions
        admin = ck_admin()
        topic = topic_name('admin')
        ck_create(topic, 1)
        res = ConfigResource('topic', topic, set_config={'retention.ms': '3600000'})
        for f in admin.alter_configs([res]).values():
            f.result(timeout=15)
        # Kafka applies config changes through its metadata log: describe until the change shows (bounded).
        end = time.time() + 15
        while True:
            described = list(admin.describe_configs([ConfigResource('topic', topic)]).values())[0].result(timeout=15)
            if described['retention.ms'].value == '3600000':
                break
            if time.time() > end:
                done('fail', f"retention.ms after alter is {described['retention.ms'].value}")
            time.sleep(0.2)
        for f in admin.create_partitions([NewPartitions(topic, 3)]).values():
            f.result(timeout=15)
        parts = len(admin.list_topics(topic, timeout=10).topics[topic].partitions)
        if parts != 3:
            done('fail', f'{parts} partitions after create_partitions(3)')
        for f in admin.delete_topics([topic]).values():
            f.result(timeout=15)
        done('ok', 'create, alter, describe, add partitions, delete')
    if FEATURE == 'groups':
        topic = topic_name('groups')
        group = f'fc-group-{RUN}'
        ck_create(topic)
        ck_produce(topic, 3)
        from confluent_kafka import Consumer
        c = Consumer({'bootstrap.servers': BOOTSTRAP, 'group.id': group, 'auto.offset.reset': 'earliest'})
        c.subscribe([topic])
        end = time.time() + 30
        seen = 0
        while seen < 3 and time.time() < end:
            m = c.poll(0.5)
            if m is not None and not m.error():
                seen += 1
        admin = ck_admin()
        listed = admin.list_consumer_groups().result(timeout=15)
        ids = [g.group_id for g in listed.valid]
        desc = list(admin.describe_consumer_groups([group]).values())[0].result(timeout=15)
        c.close()
        if group not in ids:
            done('fail', f'{group} not in listed groups')
        if len(desc.members) != 1:
            done('fail', f'described {len(desc.members)} members, state {desc.state}')
        done('ok', f'listed and described ({desc.state}, {len(desc.members)} member)')
    if FEATURE == 'idempotent':
        topic = topic_name('idem')
        ck_create(topic)
        ck_produce(topic, 50, {'enable.idempotence': True, 'acks': 'all'})
        got = ck_consume(topic, 50)
        keys = [m.key() for m in got]
        if len(keys) != 50 or len(set(keys)) != 50:
            done('fail', f'{len(keys)} records, {len(set(keys))} distinct')
        done('ok', '50 records, once each')
    if FEATURE == 'transactions':
        from confluent_kafka import Producer, KafkaException
        p = Producer({'bootstrap.servers': BOOTSTRAP, 'transactional.id': f'fc-tx-{RUN}'})
        started = time.time()
        try:
            p.init_transactions(15)
        except KafkaException as e:
            done('refused', f'{e.args[0].name()} after {time.time() - started:.1f}s')
        done('ok', 'init_transactions succeeded')
    if FEATURE.startswith('produce-'):
        codec = FEATURE.split('-', 1)[1]
        ck_produce(sys.argv[5], 20, {'compression.type': codec})
        done('ok', f'20 records with {codec}')
    if FEATURE == 'read':
        got = ck_consume(sys.argv[5], int(sys.argv[6]))
        done('ok' if len(got) == int(sys.argv[6]) else 'fail', f'read {len(got)}')
    if FEATURE == 'avro-produce':
        from confluent_kafka import Producer
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroSerializer
        from confluent_kafka.serialization import MessageField, SerializationContext
        topic = sys.argv[5]
        schema = json.dumps({'type': 'record', 'name': 'OrderAccepted', 'namespace': 'retail.foreign',
                             'fields': [{'name': 'orderId', 'type': 'string'}, {'name': 'total', 'type': 'long'}]})
        ser = AvroSerializer(SchemaRegistryClient({'url': REGISTRY}), schema)
        p = Producer({'bootstrap.servers': BOOTSTRAP, 'enable.idempotence': True})
        n = int(sys.argv[6])
        for i in range(n):
            p.produce(topic, key=f'o{i}', value=ser({'orderId': f'o{i}', 'total': i}, SerializationContext(topic, MessageField.VALUE)))
        if p.flush(20):
            done('fail', 'undelivered records')
        done('ok', f'{n} avro records')
    if FEATURE == 'avro-member':
        # One group member: prints each order id it decodes, commits after each record.
        from confluent_kafka import Consumer
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroDeserializer
        from confluent_kafka.serialization import MessageField, SerializationContext
        topic, group = sys.argv[5], sys.argv[6]
        de = AvroDeserializer(SchemaRegistryClient({'url': REGISTRY}))
        c = Consumer({'bootstrap.servers': BOOTSTRAP, 'group.id': group, 'auto.offset.reset': 'earliest',
                      'enable.auto.commit': False, 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 1000})
        c.subscribe([topic])
        end = time.time() + DEADLINE_S
        delay = float(os.environ.get('FC_MEMBER_DELAY_S', '0'))
        while time.time() < end:
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            v = de(m.value(), SerializationContext(topic, MessageField.VALUE))
            print(json.dumps({'orderId': v['orderId']}), flush=True)
            time.sleep(delay)
            c.commit(m, asynchronous=False)
        c.close()
        sys.exit(0)
    done('fail', f'unknown feature {FEATURE}')


# ---------------------------------------------------------------- kafka-python

def kp_admin():
    from kafka import KafkaAdminClient
    return KafkaAdminClient(bootstrap_servers=BOOTSTRAP, request_timeout_ms=15000)


def kp_consume(topic, count, timeout_s=30):
    from kafka import KafkaConsumer
    c = KafkaConsumer(topic, bootstrap_servers=BOOTSTRAP, group_id=f'fc-read-{uuid.uuid4().hex[:6]}',
                      auto_offset_reset='earliest', enable_auto_commit=False)
    got = []
    end = time.time() + timeout_s
    try:
        while len(got) < count and time.time() < end:
            for records in c.poll(timeout_ms=500).values():
                got.extend(records)
    finally:
        c.close()
    return got


def kp_produce(topic, n, **extra):
    from kafka import KafkaProducer
    p = KafkaProducer(bootstrap_servers=BOOTSTRAP, linger_ms=20, **extra)
    futures = [p.send(topic, key=f'k{i}'.encode(), value=(f'value-{i}-' + 'x' * 200).encode()) for i in range(n)]
    p.flush(20)
    for f in futures:
        f.get(timeout=5)
    p.close()


def kp_feature():
    from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
    if FEATURE == 'admin':
        admin = kp_admin()
        topic = topic_name('admin')
        admin.create_topics([NewTopic(topic, 1, 1)])
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={'retention.ms': '3600000'})])
        described = str(admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)]))
        if '3600000' not in described:
            done('fail', 'retention.ms not altered')
        admin.create_partitions({topic: NewPartitions(3)})
        admin.delete_topics([topic])
        done('ok', 'create, alter, describe, add partitions, delete')
    if FEATURE == 'groups':
        from kafka import KafkaConsumer
        topic = topic_name('groups')
        group = f'fc-group-{RUN}'
        admin = kp_admin()
        admin.create_topics([NewTopic(topic, 1, 1)])
        kp_produce(topic, 3)
        c = KafkaConsumer(topic, bootstrap_servers=BOOTSTRAP, group_id=group, auto_offset_reset='earliest')
        end = time.time() + 30
        seen = 0
        while seen < 3 and time.time() < end:
            seen += sum(len(r) for r in c.poll(timeout_ms=500).values())
        c.commit()
        listed = admin.list_groups() if hasattr(admin, 'list_groups') else admin.list_consumer_groups()
        described = admin.describe_groups([group]) if hasattr(admin, 'describe_groups') else admin.describe_consumer_groups([group])
        c.close()
        if group not in str(listed):
            done('fail', f'{group} not listed')
        if group not in str(described):
            done('fail', 'not described')
        done('ok', 'listed and described')
    if FEATURE == 'idempotent':
        topic = topic_name('idem')
        kp_admin().create_topics([NewTopic(topic, 1, 1)])
        kp_produce(topic, 50, enable_idempotence=True, acks='all')
        got = kp_consume(topic, 50)
        keys = {m.key for m in got}
        if len(got) != 50 or len(keys) != 50:
            done('fail', f'{len(got)} records, {len(keys)} distinct')
        done('ok', '50 records, once each')
    if FEATURE == 'transactions':
        from kafka import KafkaProducer
        p = KafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id=f'fc-tx-kp-{RUN}', max_block_ms=15000)
        started = time.time()
        try:
            p.init_transactions()
        except Exception as e:  # kafka-python names the broker's refusal in the exception class
            name = type(e).__name__
            if 'TransactionalIdAuthorization' in name or 'TransactionalIdAuthorization' in str(e):
                done('refused', f'{name} after {time.time() - started:.1f}s')
            raise
        finally:
            p.close(timeout=5)
        done('ok', 'init_transactions succeeded')
    if FEATURE.startswith('produce-'):
        codec = FEATURE.split('-', 1)[1]
        kp_produce(sys.argv[5], 20, compression_type=codec)
        done('ok', f'20 records with {codec}')
    if FEATURE == 'read':
        got = kp_consume(sys.argv[5], int(sys.argv[6]))
        done('ok' if len(got) == int(sys.argv[6]) else 'fail', f'read {len(got)}')
    done('fail', f'unknown feature {FEATURE}')


def main():
    signal.alarm(DEADLINE_S + 30)  # a hung client is a failure the runner sees, never a hang
    try:
        if CLIENT == 'confluent-kafka':
            ck_feature()
        elif CLIENT == 'kafka-python':
            kp_feature()
        done('fail', f'unknown client {CLIENT}')
    except SystemExit:
        raise
    except Exception as e:  # every failure is reported as a result, with its message
        done('fail', f'{type(e).__name__}: {e}')


main()
