<?php
/*
 * A tiny CRest-style REST client, used by test/crest-client.test.ts.
 *
 *   php crest_style.php <webhook-url-ending-in-slash> <method> [get|post] < params.json
 *
 * "get"  (default): what CRest does for webhooks — GET {webhook}{method}.json?{http_build_query(params)}
 * "post": what CRest does with OAuth — POST {endpoint}{method}.json, form-urlencoded http_build_query body
 *
 * Prints one JSON line: {"status": <HTTP status>, "body": <decoded response, or null>, "raw": <text if not JSON>}.
 */

if ($argc < 3) {
    fwrite(STDERR, "usage: php crest_style.php <webhook-url> <method> [get|post] < params.json\n");
    exit(2);
}
[$webhook, $method] = [$argv[1], $argv[2]];
$verb = strtolower($argv[3] ?? 'get');

$input = trim(stream_get_contents(STDIN));
$params = $input === '' ? [] : json_decode($input, true, 512, JSON_THROW_ON_ERROR);

$url = $webhook . $method . '.json';
$query = http_build_query($params);

$curl = curl_init();
$options = [
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_FOLLOWLOCATION => true,
    CURLOPT_USERAGENT => 'crest-style-test-client',
];
if ($verb === 'post') {
    $options[CURLOPT_URL] = $url;
    $options[CURLOPT_POST] = true;
    $options[CURLOPT_POSTFIELDS] = $query; // a string body: curl sends application/x-www-form-urlencoded
} else {
    $options[CURLOPT_URL] = $query === '' ? $url : $url . '?' . $query;
}
curl_setopt_array($curl, $options);

$raw = curl_exec($curl);
if ($raw === false) {
    fwrite(STDERR, 'curl error: ' . curl_error($curl) . "\n");
    exit(1);
}
$status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
curl_close($curl);

$body = json_decode($raw, true);
$out = ['status' => $status, 'body' => $body];
if ($body === null) {
    $out['raw'] = $raw;
}
echo json_encode($out, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), "\n";
