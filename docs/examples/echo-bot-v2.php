<?php
// A v2 echo bot in PHP in fetch mode (README, "First echo bot"): no port to open, it polls.
//   php docs/examples/echo-bot-v2.php
// The bots' webhook: IMBOT_WEBHOOK_URL, else the one docs/examples/echo-seed.yaml makes (plain HTTP).

function call(string $method, array $params = []): array
{
    $webhook = getenv('IMBOT_WEBHOOK_URL') ?: 'http://127.0.0.1:24080/rest/1/echoadminhook0001/';
    $ch = curl_init($webhook . $method); // v2 methods take JSON
    curl_setopt_array($ch, [
        CURLOPT_POST => true,
        CURLOPT_POSTFIELDS => json_encode($params),
        CURLOPT_HTTPHEADER => ['Content-Type: application/json'],
        CURLOPT_RETURNTRANSFER => true,
    ]);
    if (getenv('IMBOT_CA')) curl_setopt($ch, CURLOPT_CAINFO, getenv('IMBOT_CA'));
    $answer = json_decode(curl_exec($ch), true);
    curl_close($ch);
    if (isset($answer['error'])) throw new RuntimeException("$method: {$answer['error']} {$answer['error_description']}");
    return $answer['result'];
}

$code = getenv('BOT_CODE') ?: 'echophp2';
$botToken = "$code-token";
$botId = null;
foreach (call('imbot.bot.list') as $bot) {
    if ($bot['CODE'] === $code) $botId = (int) $bot['ID'];
}
$botId ??= call('imbot.v2.Bot.register', ['botToken' => $botToken, 'fields' => ['code' => $code, 'properties' => ['name' => 'Echo PHP 2']]])['bot']['id'];
echo "echo bot $botId ready (fetch mode)\n";

$offset = 0;
while (true) {
    $page = call('imbot.v2.Event.get', ['botToken' => $botToken, 'botId' => $botId, 'offset' => $offset]);
    foreach ($page['events'] as $event) {
        fwrite(STDERR, "event {$event['type']}: " . json_encode($event['data']) . "\n");
        if ($event['type'] !== 'ONIMBOTV2MESSAGEADD') continue;
        call('imbot.v2.Chat.Message.send', [
            'botToken' => $botToken, 'botId' => $botId, 'dialogId' => $event['data']['chat']['dialogId'],
            'fields' => ['message' => 'You said: ' . $event['data']['message']['text']],
        ]);
    }
    $offset = $page['nextOffset'];
    if (!$page['hasMore']) usleep(500000);
}
