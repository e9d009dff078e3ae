package io.sillage.stack.bench;

import io.sillage.stack.StackException;
import io.sillage.stack.component.Kafka;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Pipeline throughput as the benchmarks measure it: events written straight to the raw topic, timed until the
 * pipeline job's committed offsets (moved at checkpoints, once every operator has processed what came before)
 * reach the end of the raw and feedback topics.
 */
final class Drain {
    private Drain() {}

    /** A producer for bulk load into the raw topic: large lz4 batches, leader acknowledgement. */
    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ProducerConfig.ACKS_CONFIG, "1");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static ProfileBenchmark.Phase produceAndDrain(KafkaProducer<byte[], byte[]> producer, Admin admin, long events, LongFunction<ProducerRecord<byte[], byte[]>> record,
            Duration checkpointInterval) throws Exception {
        Instant start = Instant.now();
        for (long i = 0; i < events; i++) {
            producer.send(record.apply(i));
        }
        producer.flush();
        Instant end = waitDrained(admin, Duration.ofMinutes(30));
        // committed offsets move at checkpoints: take off half an interval, the expected delay of the last commit
        Duration elapsed = Duration.between(start, end).minus(checkpointInterval.dividedBy(2));
        return new ProfileBenchmark.Phase(events, elapsed);
    }

    /** Waits until the pipeline has committed everything in the raw and feedback topics (twice in a row for the loop). */
    static Instant waitDrained(Admin admin, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        int quiet = 0;
        while (Instant.now().isBefore(deadline)) {
            long lag = lag(admin, "sillage-collect", Kafka.RAW_TOPIC) + lag(admin, "sillage-identity-feedback", Kafka.FEEDBACK_TOPIC);
            if (lag == 0) {
                if (++quiet == 2) {
                    return Instant.now();
                }
            }
            else {
                quiet = 0;
            }
            Thread.sleep(250);
        }
        throw new StackException("The pipeline did not catch up within " + timeout.toMinutes() + " minutes");
    }

    private static long lag(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Set<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions().stream()
                .map(info -> new TopicPartition(topic, info.partition())).collect(Collectors.toSet());
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(
                partitions.stream().collect(Collectors.toMap(partition -> partition, partition -> OffsetSpec.latest()))).all().get(10, TimeUnit.SECONDS);
        long lag = 0;
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = committed.get(partition);
            lag += ends.get(partition).offset() - (offset == null ? 0 : offset.offset());
        }
        return lag;
    }

}
