<?php
/*
 * Batch calls as the PHP clients build them, used by test/batch.test.ts.
 *
 *   php batch_style.php <method-url> <sdk|crest> < spec.json
 *
 * spec.json: {"halt": <any JSON>, "cmd": {"<id>": ["<method>", {params}], ...}}
 * Every command becomes "method?" . http_build_query(params) (CRest leaves out the "?" when there
 * are no params), then
 * "sdk":   what b24phpsdk does — POST a JSON body {"halt": …, "cmd": {…}} (json_encode)
 * "crest": what CRest::callBatch does — POST http_build_query(['halt' => …, 'cmd' => …]) as a form
 *
 * Prints one JSON line: {"status": <HTTP status>, "body": <decoded response, or null>}.
 */

if ($argc < 3) {
    fwrite(STDERR, "usage: php batch_style.php <method-url> <sdk|crest> < spec.json\n");
    exit(2);
}
[$url, $style] = [$argv[1], $argv[2]];
$spec = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);

$cmd = [];
foreach ($spec['cmd'] as $id => [$method, $params]) {
    $query = http_build_query($params ?? []);
    $cmd[$id] = ($style === 'crest' && $query === '') ? $method : $method . '?' . $query;
}
$request = ['halt' => $spec['halt'], 'cmd' => $cmd];

$curl = curl_init($url);
curl_setopt_array($curl, [
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_POST => true,
    CURLOPT_HTTPHEADER => $style === 'sdk' ? ['Content-Type: application/json'] : [],
    CURLOPT_POSTFIELDS => $style === 'sdk' ? json_encode($request) : http_build_query($request),
]);
$raw = curl_exec($curl);
if ($raw === false) {
    fwrite(STDERR, 'curl error: ' . curl_error($curl) . "\n");
    exit(1);
}
$status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
curl_close($curl);
echo json_encode(['status' => $status, 'body' => json_decode($raw, true)], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), "\n";
