package visionsearch.store;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SQL the PostgreSQL JDBC driver sends, as it logs each statement it parses (at FINEST, " FE=> Parse(...,
 * query="...")"): what the server receives, read from the wire protocol side, with no hook in the store.
 */
final class SqlLog implements AutoCloseable {
    private static final Pattern QUERY = Pattern.compile("FE=> Parse\\(stmt=[^,]*,query=\"(.*)\",oids=", Pattern.DOTALL);
    private final Logger logger = Logger.getLogger("org.postgresql.core.v3.QueryExecutorImpl");
    private final Level level = logger.getLevel();
    private final List<String> statements = new ArrayList<>();
    private final Handler handler = new Handler() {
        private final SimpleFormatter format = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            Matcher m = QUERY.matcher(format.formatMessage(record));
            if (m.find()) {
                synchronized (statements) {
                    statements.add(m.group(1));
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    SqlLog() {
        handler.setLevel(Level.FINEST);
        logger.setLevel(Level.FINEST);
        logger.addHandler(handler);
    }

    /** The statements sent since this log was opened, in order. */
    List<String> statements() {
        synchronized (statements) {
            return List.copyOf(statements);
        }
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setLevel(level);
    }
}
