package dev.riskstream.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Three exactly-once-v2 hops t0 -> t1 -> t2 -> t3 that move key and value bytes untouched: the latency
 * and throughput a stock Kafka Streams application reaches on this broker, as a reference for our own.
 *
 * Options are "--name value" arguments, each falling back to an environment variable (NAME_IN_CAPS):
 *   --bootstrap-servers, --application-id, --topics t0,t1,t2,t3, --commit-interval-ms, --num-stream-threads
 * Prints RUNNING on stdout each time the client reaches RUNNING; everything else goes to stderr.
 */
public final class PassThrough {
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> options = parseArgs(args);
    String[] topics = option(options, "topics", null).split(",");
    if (topics.length != 4) {
      fail("--topics needs four comma-separated names, got " + topics.length);
    }

    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, option(options, "bootstrap-servers", "127.0.0.1:9092"));
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, option(options, "application-id", null));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, option(options, "commit-interval-ms", "100"));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, option(options, "num-stream-threads", "1"));
    // The stack is a single broker; this topology has no internal topics, but a later change might add some.
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");

    KafkaStreams streams = new KafkaStreams(buildTopology(topics), props);
    CountDownLatch stopped = new CountDownLatch(1);
    boolean[] failed = {false};

    streams.setStateListener((newState, oldState) -> {
      System.err.println("state " + oldState + " -> " + newState);
      if (newState == KafkaStreams.State.RUNNING) {
        System.out.println("RUNNING");
        System.out.flush();
      } else if (newState == KafkaStreams.State.ERROR) {
        // Exit instead of lingering as a JVM that no longer moves records, so the caller sees the failure.
        failed[0] = true;
        stopped.countDown();
      }
    });

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // close() commits the open transactions, so a clean stop leaves nothing for a read_committed reader to wait on.
      streams.close(CLOSE_TIMEOUT);
      stopped.countDown();
    }, "passthrough-shutdown"));

    streams.start();
    stopped.await();
    if (failed[0]) {
      streams.close(CLOSE_TIMEOUT);
      System.exit(1);
    }
  }

  /** Three disconnected stream-to-topic pipes, which Streams runs as three sub-topologies. */
  static Topology buildTopology(String[] topics) {
    StreamsBuilder builder = new StreamsBuilder();
    Consumed<byte[], byte[]> in = Consumed.with(Serdes.ByteArray(), Serdes.ByteArray());
    Produced<byte[], byte[]> out = Produced.with(Serdes.ByteArray(), Serdes.ByteArray());
    for (int hop = 0; hop < 3; hop++) {
      builder.stream(topics[hop], in).to(topics[hop + 1], out);
    }
    Topology topology = builder.build();
    System.err.println(topology.describe());
    return topology;
  }

  private static Map<String, String> parseArgs(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        fail("expected --name value pairs, got " + String.join(" ", args));
      }
      options.put(args[i].substring(2), args[++i]);
    }
    return options;
  }

  private static String option(Map<String, String> options, String name, String fallback) {
    String value = options.get(name);
    if (value == null) {
      value = System.getenv(name.toUpperCase().replace('-', '_'));
    }
    if (value == null) {
      value = fallback;
    }
    if (value == null) {
      fail("missing --" + name + " (or env " + name.toUpperCase().replace('-', '_') + ")");
    }
    return value;
  }

  private static void fail(String message) {
    System.err.println("passthrough: " + message);
    System.exit(2);
  }
}
