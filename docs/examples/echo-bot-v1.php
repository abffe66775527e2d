<?php
// A v1 echo bot in PHP, CRest style (README, "First echo bot"). Two roles in one file:
//   php -S 127.0.0.1:3000 docs/examples/echo-bot-v1.php          the event handler
//   php docs/examples/echo-bot-v1.php http://127.0.0.1:3000/     registers the bot with that handler
// The bots' webhook: IMBOT_WEBHOOK_URL, else the one docs/examples/echo-seed.yaml makes (plain HTTP).

const CLIENT_ID = 'echo-bot-php';

function webhook(): string
{
    return getenv('IMBOT_WEBHOOK_URL') ?: 'http://127.0.0.1:24080/rest/1/echoadminhook0001/';
}

/** CRest::call: POST the parameters as http_build_query to {webhook}{method}.json */
function call(string $method, array $params = []): array
{
    $ch = curl_init(webhook() . $method . '.json');
    curl_setopt_array($ch, [
        CURLOPT_POST => true,
        CURLOPT_POSTFIELDS => http_build_query($params),
        CURLOPT_RETURNTRANSFER => true,
    ]);
    if (getenv('IMBOT_CA')) curl_setopt($ch, CURLOPT_CAINFO, getenv('IMBOT_CA')); // the local CA for HTTPS
    $answer = json_decode(curl_exec($ch), true);
    curl_close($ch);
    if (isset($answer['error'])) throw new RuntimeException("$method: {$answer['error']} {$answer['error_description']}");
    return $answer;
}

if (PHP_SAPI === 'cli') {
    $handler = $argv[1] ?? 'http://127.0.0.1:3000/';
    $code = getenv('BOT_CODE') ?: 'echophp';
    foreach (call('imbot.bot.list')['result'] as $bot) {
        if ($bot['CODE'] === $code) call('imbot.unregister', ['BOT_ID' => $bot['ID'], 'CLIENT_ID' => CLIENT_ID]);
    }
    $botId = call('imbot.register', [
        'CODE' => $code, 'TYPE' => 'B', 'CLIENT_ID' => CLIENT_ID, 'EVENT_HANDLER' => $handler,
        'PROPERTIES' => ['NAME' => 'Echo PHP'],
    ])['result'];
    echo "echo bot $botId ready, events to $handler\n";
    exit;
}

// The handler: $_POST is the event (event, data[PARAMS], data[BOT], auth, ts).
error_log('event ' . ($_POST['event'] ?? '?') . ': ' . json_encode($_POST));
if (($_POST['event'] ?? '') === 'ONIMBOTMESSAGEADD') {
    call('imbot.message.add', [
        'BOT_ID' => array_key_first($_POST['data']['BOT']),
        'CLIENT_ID' => CLIENT_ID,
        'DIALOG_ID' => $_POST['data']['PARAMS']['DIALOG_ID'],
        'MESSAGE' => 'You said: ' . $_POST['data']['PARAMS']['MESSAGE'],
    ]);
}
echo 'ok';
