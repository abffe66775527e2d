<?php
/*
 * A CRest-style OAuth client (CRest v1.33's flow), used by test/oauth-clients.test.ts.
 *
 *   php crest_oauth.php <ca.pem> <oauth-server-base> <client_id> <client_secret> <method> < input.json
 *
 * input.json: {"install": "<raw ONAPPINSTALL form body>", "params": {...}}
 * 1. installApp(): parse the install POST as PHP does ($_REQUEST), accept it only when
 *    event == ONAPPINSTALL and auth is not empty, keep access_token, refresh_token, domain,
 *    application_token, client_endpoint (CRest's settings).
 * 2. call(): POST {client_endpoint}{method}.json with an http_build_query body carrying auth=...;
 *    on error "expired_token" refresh with a POST form to {oauth}/oauth/token/ (grant_type
 *    refresh_token) and call again — the refreshed answer's client_endpoint is used from then on.
 *
 * Prints one JSON line: {"installed": bool, "refreshed": bool, "status": int, "body": ..., "settings": {...}}.
 */

[, $ca, $oauth, $clientId, $clientSecret, $method] = $argv;
$input = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);

function post(string $url, array $params, string $ca): array
{
    $curl = curl_init();
    curl_setopt_array($curl, [
        CURLOPT_URL => $url,
        CURLOPT_POST => true,
        CURLOPT_POSTFIELDS => http_build_query($params),
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_CAINFO => $ca,
        CURLOPT_USERAGENT => 'crest-style-oauth-test-client',
    ]);
    $raw = curl_exec($curl);
    if ($raw === false) {
        fwrite(STDERR, 'curl error: ' . curl_error($curl) . "\n");
        exit(1);
    }
    $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
    curl_close($curl);
    return [$status, json_decode($raw, true)];
}

parse_str($input['install'], $request);
$installed = ($request['event'] ?? '') === 'ONAPPINSTALL' && !empty($request['auth']);
$settings = [];
if ($installed) {
    foreach (['access_token', 'refresh_token', 'domain', 'application_token', 'client_endpoint'] as $key) {
        $settings[$key] = $request['auth'][$key];
    }
}

$refreshed = false;
$call = function () use (&$settings, $method, $input, $ca) {
    return post($settings['client_endpoint'] . $method . '.json', $input['params'] + ['auth' => $settings['access_token']], $ca);
};
[$status, $body] = $call();
if (($body['error'] ?? '') === 'expired_token') {
    [$tokenStatus, $fresh] = post($oauth . '/oauth/token/', [
        'client_id' => $clientId,
        'grant_type' => 'refresh_token',
        'client_secret' => $clientSecret,
        'refresh_token' => $settings['refresh_token'],
    ], $ca);
    if ($tokenStatus === 200 && empty($fresh['error'])) {
        $refreshed = true;
        foreach (['access_token', 'refresh_token', 'client_endpoint'] as $key) {
            $settings[$key] = $fresh[$key];
        }
        [$status, $body] = $call();
    } else {
        [$status, $body] = [$tokenStatus, $fresh];
    }
}

echo json_encode(['installed' => $installed, 'refreshed' => $refreshed, 'status' => $status, 'body' => $body, 'settings' => $settings], JSON_UNESCAPED_SLASHES), "\n";
