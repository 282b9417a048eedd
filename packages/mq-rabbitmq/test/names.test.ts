import { queueNames, snakeCase, ttlQueueArguments } from '../src';
import { plainArguments } from '../src/names';

describe('queue names (jobs-and-actions §4.1)', () => {
  it.each([
    ['TestJob', 'test_job'],
    ['generate-article-job', 'generate_article_job'],
    ['queue-job', 'queue_job'],
    ['already_snake', 'already_snake'],
    ['Mixed_Case', 'mixed_case'],
    ['emailJob', 'email_job'],
    ['HTTPJob', 'http_job'],
    ['Job', 'job'],
    ['job', 'job'],
    ['Job2Run', 'job2_run'],
  ])('%s → %s', (name, snake) => {
    expect(snakeCase(name)).toBe(snake);
  });

  it('joins the prefix and the snake name with no separator, then :retry, :dead and :periodic:{N}s', () => {
    const names = queueNames('specstar:', 'generate-article-job');
    expect([names.main, names.retry, names.dead, names.periodic(60)]).toEqual([
      'specstar:generate_article_job',
      'specstar:generate_article_job:retry',
      'specstar:generate_article_job:dead',
      'specstar:generate_article_job:periodic:60s',
    ]);
    expect(queueNames('test:', 'TestJob').main).toBe('test:test_job');
  });

  it('refuses a name the broker cannot hold (255 bytes with the delay suffix)', () => {
    expect(() => queueNames('p'.repeat(240), 'job')).toThrow(/too long/);
  });

  it('types the TTL as pika does: signed 32-bit, 64-bit above; dead-letters to main through the default exchange', () => {
    expect(ttlQueueArguments('q', 10_000)).toEqual({ 'x-message-ttl': { '!': 'int', value: 10_000 }, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'q' });
    expect(ttlQueueArguments('q', 2 ** 31)['x-message-ttl']).toEqual({ '!': 'long', value: 2 ** 31 });
    expect(plainArguments(ttlQueueArguments('q', 5))).toEqual({ 'x-message-ttl': 5, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'q' });
  });
});
