// n8n's logger reports every failed node on the console; the tests assert on those errors instead.
process.env.N8N_LOG_LEVEL = 'silent';
